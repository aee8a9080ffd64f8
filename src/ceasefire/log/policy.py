"""C2SP ``tlog-policy``: which witnesses' cosignatures make a checkpoint trusted.

A policy is lines of text; blank lines and ``#`` comments are ignored; the others are:

1. ``log <vkey> [<url>]``: a log whose checkpoints the policy covers (at least one).
2. ``witness <name> <vkey> [<url>]``: a witness, its cosignature key (C2SP vkey; type 0x04,
   Ed25519 cosignature/v1).
3. ``group <name> <k|any|all> <member> ...``: a group satisfied when at least ``k`` of its
   members are (``any`` = 1, ``all`` = every member); a member is a witness or a group named
   on an earlier line, so groups nest and never loop.
4. ``quorum <name|none>``: exactly once, the witness or group that must be satisfied
   (``none``: the log's signature alone suffices).

Names are unique across witnesses and groups and follow the note key-name rules (no spaces, no
``+``); a member appears once per group; ``1 <= k <= members``. Every refusal is a
:class:`PolicyError` naming the line. Evaluation fails closed: no cosigner satisfies no witness,
and with no quorum line there is no policy.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

from ceasefire.errors import CeasefireError, InvalidInput
from ceasefire.log.cosignature import verify_cosignature
from ceasefire.log.keys import ED25519_COSIGNATURE, VerifierKey, check_key_name
from ceasefire.log.note import Note

NONE: Final = "none"
_KEYWORDS: Final = ("log", "witness", "group", "quorum")


class PolicyError(InvalidInput):
    """A policy refused: ``line`` is the 1-based line at fault (0: the policy as a whole)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"policy line {line}: {reason}" if line else f"policy: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Witness:
    name: str
    key: VerifierKey
    url: str | None = None


@dataclass(frozen=True)
class Group:
    """``threshold`` of ``members`` (witness or group names) must be satisfied."""

    name: str
    threshold: int
    members: tuple[str, ...]
    spelled: str = ""
    """How the threshold was written (``any``, ``all`` or the number), kept for :meth:`to_text`."""


@dataclass(frozen=True)
class Policy:
    logs: tuple[VerifierKey, ...]
    witnesses: tuple[Witness, ...]
    groups: tuple[Group, ...]
    quorum: str | None
    """The witness or group that must be satisfied; None for ``quorum none``."""

    def __post_init__(self) -> None:
        check_policy(self)

    def witness(self, name: str) -> Witness | None:
        return next((w for w in self.witnesses if w.name == name), None)

    def satisfied(self, cosigners: Collection[str]) -> bool:
        """Whether the witnesses named in ``cosigners`` (whose cosignatures verified) meet the
        quorum."""
        if self.quorum is None:
            return True
        groups = {g.name: g for g in self.groups}
        memo: dict[str, bool] = {}

        def holds(name: str) -> bool:
            if name not in memo:
                group = groups.get(name)
                memo[name] = (
                    name in cosigners
                    if group is None
                    else sum(holds(m) for m in group.members) >= group.threshold
                )
            return memo[name]

        return holds(self.quorum)

    def cosigners(self, note: Note) -> dict[str, int]:
        """The policy's witnesses whose cosignature on ``note`` verifies, with its timestamp.
        A signature under a witness's name and key id that fails to verify raises."""
        found: dict[str, int] = {}
        for witness in self.witnesses:
            key = witness.key
            mine = [s for s in note.signatures if (s.name, s.key_id) == (key.name, key.key_id)]
            if mine:
                found[witness.name] = verify_cosignature(note.with_signatures(*mine), key)
        return found

    def to_text(self) -> str:
        lines = [f"log {key.to_text()}" for key in self.logs]
        lines += [_url(f"witness {w.name} {w.key.to_text()}", w.url) for w in self.witnesses]
        lines += [
            f"group {g.name} {g.spelled or g.threshold} {' '.join(g.members)}" for g in self.groups
        ]
        lines.append(f"quorum {self.quorum or NONE}")
        return "\n".join(lines) + "\n"


def _url(line: str, url: str | None) -> str:
    return line if url is None else f"{line} {url}"


def check_policy(policy: Policy) -> None:
    """The invariants of the module docstring, for a policy built in code (line 0)."""
    if not policy.logs:
        raise PolicyError(0, "no log line: a policy names at least one log")
    defined: set[str] = set()
    for witness in policy.witnesses:
        _define(defined, witness.name, 0)
    for group in policy.groups:
        _check_group(group, defined, 0)
        _define(defined, group.name, 0)
    if policy.quorum is not None and policy.quorum not in defined:
        raise PolicyError(0, f"quorum {policy.quorum!r} names no witness or group")


def _define(defined: set[str], name: str, line: int) -> None:
    try:
        check_key_name(name)
    except CeasefireError as exc:
        raise PolicyError(line, f"bad name {name!r}: {exc.message}") from None
    if name == NONE or name in defined:
        raise PolicyError(line, f"the name {name!r} is already used")
    defined.add(name)


def _check_group(group: Group, defined: set[str], line: int) -> None:
    if not group.members:
        raise PolicyError(line, f"group {group.name!r} has no members")
    for member in group.members:
        if member not in defined:
            raise PolicyError(
                line,
                f"group {group.name!r}: member {member!r} is not a witness or group defined above",
            )
    if len(set(group.members)) != len(group.members):
        raise PolicyError(line, f"group {group.name!r} names a member twice")
    if not 1 <= group.threshold <= len(group.members):
        raise PolicyError(
            line,
            f"group {group.name!r}: expected a threshold of 1 to {len(group.members)}, "
            f"found {group.threshold}",
        )


# --- parsing -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self) -> None:
        self.logs: list[VerifierKey] = []
        self.witnesses: list[Witness] = []
        self.groups: list[Group] = []
        self.defined: set[str] = set()
        self.quorum: tuple[str | None, int] | None = None

    def line(self, number: int, words: list[str]) -> None:
        keyword, args = words[0], words[1:]
        if keyword == "log":
            self._arity(number, args, 1, 2, "log <vkey> [<url>]")
            self.logs.append(_vkey(number, args[0], None))
        elif keyword == "witness":
            self._arity(number, args, 2, 3, "witness <name> <vkey> [<url>]")
            _define(self.defined, args[0], number)
            key = _vkey(number, args[1], ED25519_COSIGNATURE)
            self.witnesses.append(Witness(args[0], key, args[2] if len(args) == 3 else None))
        elif keyword == "group":
            self._group(number, args)
        elif keyword == "quorum":
            self._quorum(number, args)
        else:
            raise PolicyError(
                number, f"unknown keyword {keyword!r}; expected one of {', '.join(_KEYWORDS)}"
            )

    def _arity(self, number: int, args: list[str], low: int, high: int, form: str) -> None:
        if not low <= len(args) <= high:
            raise PolicyError(number, f"expected `{form}`, found {len(args)} arguments")

    def _group(self, number: int, args: list[str]) -> None:
        if len(args) < 3:
            raise PolicyError(number, "expected `group <name> <k|any|all> <member> ...`")
        name, spelled, members = args[0], args[1], tuple(args[2:])
        if spelled == "any":
            threshold = 1
        elif spelled == "all":
            threshold = len(members)
        elif spelled.isdigit() and spelled.isascii() and (spelled == "0" or spelled[0] != "0"):
            threshold = int(spelled)
        else:
            raise PolicyError(
                number, f"group {name!r}: expected a threshold k, any or all, found {spelled!r}"
            )
        group = Group(name, threshold, members, spelled)
        _check_group(group, self.defined, number)
        _define(self.defined, name, number)
        self.groups.append(group)

    def _quorum(self, number: int, args: list[str]) -> None:
        self._arity(number, args, 1, 1, "quorum <name|none>")
        if self.quorum is not None:
            raise PolicyError(number, f"a second quorum line (the first is line {self.quorum[1]})")
        name = args[0]
        if name != NONE and name not in self.defined:
            raise PolicyError(number, f"quorum {name!r} names no witness or group defined above")
        self.quorum = (None if name == NONE else name, number)

    def policy(self, last: int) -> Policy:
        if not self.logs:
            raise PolicyError(last, "no log line: a policy names at least one log")
        if self.quorum is None:
            raise PolicyError(last, "no quorum line (write `quorum none` to need no witness)")
        return Policy(tuple(self.logs), tuple(self.witnesses), tuple(self.groups), self.quorum[0])


def _vkey(number: int, text: str, key_type: int | None) -> VerifierKey:
    try:
        key = VerifierKey.from_text(text)
    except CeasefireError as exc:
        raise PolicyError(number, f"bad vkey: {exc.message}") from None
    if key_type is not None and key.key_type != key_type:
        raise PolicyError(
            number,
            f"expected a cosignature key (type 0x{key_type:02x}), found type 0x{key.key_type:02x}",
        )
    return key


def parse_policy(text: str) -> Policy:
    """The policy in ``text``; :class:`PolicyError` names the first line at fault."""
    parser = _Parser()
    number = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        words = raw.split("#", 1)[0].split()
        if words:
            parser.line(number, words)
    return parser.policy(number)


def group(name: str, threshold: int | str, members: Iterable[str]) -> Group:
    """A group written in code: ``threshold`` is k, ``"any"`` or ``"all"``."""
    members = tuple(members)
    if threshold == "any":
        return Group(name, 1, members, "any")
    if threshold == "all":
        return Group(name, len(members), members, "all")
    return Group(name, int(threshold), members, str(threshold))
