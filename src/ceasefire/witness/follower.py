"""One witness cycle over the server it follows: checks 1–4, then receipts and peers.

1. The checkpoint is signed by the pinned log key and names its origin; its tree is not smaller
   than the last one this witness cosigned, nor the same size with another root.
2. The entries after the witness's copy are fetched as entry bundles with their level-0 tiles;
   each must hash to its tile's leaf hash and be signed by a key valid at its index; appended
   to the copy they must give the checkpoint's root (so the new tree extends the cosigned one:
   a rewritten history is caught here). Old bundles are fetched again, a few each cycle
   (``audit``), and must hold the bytes the copy holds: an entry rewritten in the operator's
   database is caught the cycle its bundle comes round.
3. The published figures are compared with the witness's recomputation (``figures``), and
   each brief published since the last cosigned tree with its regeneration (``briefs``).
4. Only then is the checkpoint cosigned (tlog-cosignature), the state persisted and the
   cosignature posted back to the server.

Receipts and peers are checked every cycle, whatever came before, and so are the witnesses'
cosignatures on the server's checkpoint and the peers' (``cosigners``: none dated in the future,
none contradicting one seen before, no peer presenting a smaller tree than before). This
witness's own cosignatures are never dated before its last one. Every failure is an
:class:`~ceasefire.witness.alarms.Alarm`, recorded before the cycle returns. When the server's
log grows during a cycle (a partial tile gone, figures of a newer log), the cycle starts again
with the new checkpoint, up to three times.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Final

from ceasefire.errors import CeasefireError
from ceasefire.log.checkpoint import Checkpoint
from ceasefire.log.cosignature import cosign
from ceasefire.log.hashing import leaf_hash
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.note import Note
from ceasefire.log.tiles import TILE_WIDTH, Bundle, bundles, decode_bundle, decode_hash_tile
from ceasefire.services import witnessing
from ceasefire.services.ports import LogIdentity
from ceasefire.witness import cosigners, figures
from ceasefire.witness.alarms import Alarm, AlarmLog, Check, Finding, Refused
from ceasefire.witness.briefs import Briefs
from ceasefire.witness.checks import check_not_behind, not_prefix, opened, rewritten
from ceasefire.witness.mirror import Mirror
from ceasefire.witness.peers import check_peer
from ceasefire.witness.receipts import ReceiptCount, check_receipts
from ceasefire.witness.remote import Server, Unreachable
from ceasefire.witness.state import LogState, StateFile

ATTEMPTS: Final = 3
DEFAULT_AUDIT: Final = 16
"""Old entry bundles fetched again each cycle (4,096 entries): a full sweep of a log of a
million entries every 245 cycles; every cycle for the logs of a ceasefire's first years."""


class _Moved(Exception):
    """The server's log grew under the cycle: start again from its new checkpoint."""


@dataclass(frozen=True)
class Outcome:
    """What one cycle did: the tree it checked, whether it cosigned, and what it found."""

    size: int
    cosigned: bool
    alarms: tuple[Alarm, ...]
    receipts: ReceiptCount = field(default_factory=ReceiptCount)
    peers: int = 0


@dataclass(frozen=True)
class Config:
    key: SigningKey
    log_vkey: str | None = None
    receipts: Path | None = None
    peers: tuple[str, ...] = ()
    audit: int = DEFAULT_AUDIT


class Follower:
    """The witness of one server: its copy, its state file and its alarm record."""

    def __init__(
        self,
        server: Server,
        mirror: Mirror,
        state: StateFile,
        alarms: AlarmLog,
        config: Config,
        clock: Callable[[], datetime],
        fetch_peer: Callable[[str], str],
    ) -> None:
        self.server, self.mirror, self.state, self.alarm_log = server, mirror, state, alarms
        self.config, self.clock, self.fetch_peer = config, clock, fetch_peer
        self._checked: dict[Bundle, list[bytes]] = {}
        self.briefs = Briefs()

    def cycle(self) -> Outcome:
        """Run checks 1–4, receipts and peers; record and return every alarm."""
        findings: list[Finding] = []
        size, cosigned = self.mirror.size(), False
        for attempt in range(ATTEMPTS):
            try:
                size, cosigned, findings = self._follow()
                break
            except _Moved:
                if attempt == ATTEMPTS - 1:
                    findings = [
                        Finding(
                            Check.UNREACHABLE,
                            "the log kept growing during the "
                            f"cycle ({ATTEMPTS} attempts): nothing was cosigned",
                        )
                    ]
            except Refused as exc:
                findings = [exc.finding]
                break
            except Unreachable as exc:
                findings = [Finding(Check.UNREACHABLE, exc.message, details={"url": exc.url})]
                break
        count, more = self._receipts()
        peers, split, read = self._peers()
        seen = self._cosigners(read)
        return self._record(size, cosigned, [*findings, *more, *split, *seen], count, peers)

    def _record(
        self,
        size: int,
        cosigned: bool,
        findings: Sequence[Finding],
        receipts: ReceiptCount,
        peers: int,
    ) -> Outcome:
        now = self.clock()
        alarms = tuple(f.alarm(self.server.url, now) for f in findings)
        self.alarm_log.record(alarms)
        return Outcome(size, cosigned, alarms, receipts, peers)

    # --- checks 1-4 ----------------------------------------------------------------------

    def _follow(self) -> tuple[int, bool, list[Finding]]:
        self._checked = {}
        text = self.server.checkpoint()
        log_key = self._log_key(text)
        checkpoint, note = opened(text, log_key)
        known = self.state.get(checkpoint.origin) or LogState(checkpoint.origin, log_key.to_text())
        check_not_behind(checkpoint, known, text)
        findings = self._audit(known, checkpoint)
        self._extend(checkpoint, note, log_key)
        if findings:
            return checkpoint.size, False, findings
        findings = figures.compare(self.server, self.mirror.store, self.clock(), checkpoint.size)
        findings += self.briefs.check(self.server, self.mirror.store, known.size, checkpoint.size)
        if findings and self._grew(checkpoint):
            raise _Moved
        if findings:
            return checkpoint.size, False, findings
        return checkpoint.size, True, self._cosign(known, checkpoint, note)

    def _log_key(self, text: str) -> VerifierKey:
        """The pinned key (``--log-vkey``, else the state's, else the genesis entry's)."""
        if self.config.log_vkey is not None:
            return VerifierKey.from_text(self.config.log_vkey)
        origin = text.split("\n", 1)[0]
        known = self.state.get(origin)
        if known is not None:
            return VerifierKey.from_text(known.vkey)
        # trust on first use: the key the genesis entry names (pin it with --log-vkey)
        try:
            first = next(bundles(int(text.split("\n")[1])))
            genesis = json.loads(self._bundle(first)[0])
            return VerifierKey.from_text(genesis["body"]["log_key"])
        except (IndexError, ValueError, KeyError, TypeError, StopIteration) as exc:
            raise Refused(
                Finding(Check.CHECKPOINT_SIGNATURE, f"no log key to check the checkpoint: {exc}")
            ) from exc

    def _grew(self, checkpoint: Checkpoint) -> bool:
        try:
            return Checkpoint.from_text(Note.from_text(self.server.checkpoint()).text).size != (
                checkpoint.size
            )
        except CeasefireError:
            return False

    def _extend(self, checkpoint: Checkpoint, note: Note, log_key: VerifierKey) -> None:
        """Check 2: fetch, check and append the entries after the copy's last."""
        start = self.mirror.size()
        if start > checkpoint.size:
            if self.mirror.root(checkpoint.size) != checkpoint.root_hash:
                raise Refused(not_prefix(checkpoint, self.mirror.root(checkpoint.size)))
            return
        leaves: list[bytes] = []
        for bundle in bundles(checkpoint.size):
            if bundle.end <= start:
                continue
            entries = self._checked_bundle(bundle)
            leaves.extend(entries[max(start - bundle.start, 0) :])
        if start == checkpoint.size:
            if start and self.mirror.root(start) != checkpoint.root_hash:
                raise Refused(not_prefix(checkpoint, self.mirror.root(start)))
            return
        identity = LogIdentity(checkpoint.origin, log_key.to_text())
        self.mirror.extend(identity, leaves, checkpoint, note.to_text(), self.clock())

    def _checked_bundle(self, bundle: Bundle) -> list[bytes]:
        """A bundle's entries, each checked against its level-0 tile's leaf hash (once a
        cycle: the audit and the extension may both ask for the last bundle)."""
        if bundle in self._checked:
            return self._checked[bundle]
        entries = self._bundle(bundle)
        hashes = decode_hash_tile(bundle.tile, self._tile(bundle.tile.path, bundle.width))
        for offset, (entry, expected) in enumerate(zip(entries, hashes, strict=True)):
            if leaf_hash(entry) != expected:
                index = bundle.start + offset
                raise Refused(
                    Finding(
                        Check.TILES,
                        f"entry {index} as served does not hash to the leaf hash its tile holds",
                        index=index,
                        expected=expected.hex(),
                        found=leaf_hash(entry).hex(),
                        events=(index,),
                    )
                )
        self._checked[bundle] = entries
        return entries

    def _bundle(self, bundle: Bundle) -> list[bytes]:
        try:
            data = self._tile(bundle.path, bundle.width)
        except Unreachable as exc:
            raise Refused(self._missing(bundle, exc)) from exc
        full = Bundle(bundle.index) if len(data) and bundle.width < TILE_WIDTH else None
        try:
            return decode_bundle(bundle, data)
        except CeasefireError:
            if full is None:
                raise
            return decode_bundle(full, data)[: bundle.width]

    def _tile(self, path: str, width: int) -> bytes:
        """A tile or bundle; a partial one gone (the log grew) is read from the full one, or the
        cycle starts again."""
        try:
            return self.server.tile(path)
        except Unreachable as exc:
            if exc.status != 404 or width == TILE_WIDTH:
                raise
        full = path.split(".p/", maxsplit=1)[0]
        try:
            data = self.server.tile(full)
        except Unreachable as exc:
            if exc.status == 404:
                raise _Moved from exc
            raise
        if full.startswith("tile/entries/"):
            return data
        return data[: width * 32]

    def _missing(self, bundle: Bundle, exc: Unreachable) -> Finding:
        """Which entry of a bundle the server cannot serve, asked one by one."""
        for index in range(bundle.start, bundle.end):
            if self.server.entry_status(index) == 404:
                return Finding(
                    Check.ENTRY_MISSING,
                    f"the server's checkpoint covers entry {index}, but it no longer serves it "
                    f"(the entry was dropped from its store): {exc.message}",
                    index=index,
                    events=(index,),
                )
        return Finding(
            Check.ENTRY_MISSING,
            f"the server cannot serve entries {bundle.start}..{bundle.end - 1}: {exc.message}",
            index=bundle.start,
        )

    def _audit(self, known: LogState, checkpoint: Checkpoint) -> list[Finding]:
        """Fetch old bundles again (as the checkpoint's tree has them); each entry must be the
        one the copy holds."""
        held = min(self.mirror.size(), checkpoint.size)
        old = [b for b in bundles(checkpoint.size) if b.start < held]
        if not old or self.config.audit <= 0:
            return []
        first = known.audit_next % len(old)
        chosen = list(islice(old[first:] + old[:first], self.config.audit))
        findings: list[Finding] = []
        for bundle in chosen:
            try:
                served = self._bundle(bundle)
                mine = self.mirror.leaves(bundle.start, min(bundle.end, held))
                changed = rewritten(bundle, mine, served, checkpoint.size)
                findings.extend(changed or self._tile_problems(bundle))
            except Refused as exc:
                findings.append(exc.finding)
        self._save_audit(known, (first + len(chosen)) % len(old))
        return findings

    def _tile_problems(self, bundle: Bundle) -> list[Finding]:
        try:
            self._checked_bundle(bundle)
        except Refused as exc:
            return [exc.finding]
        return []

    def _save_audit(self, known: LogState, audit_next: int) -> None:
        def change(current: LogState | None) -> None:
            base = current or known
            if base.size:
                self.state.put(LogState(**{**base.__dict__, "audit_next": audit_next}))

        self.state.update(known.origin, change)

    def _cosign(self, known: LogState, checkpoint: Checkpoint, note: Note) -> list[Finding]:
        """Check 4: cosign, persist the state, post the cosignature back."""
        if (known.size, known.root) == (checkpoint.size, checkpoint.root_hash):
            return []  # cosigned already: the state holds it
        timestamp = cosigners.cosigning_time(known, self.config.key, self.clock())
        signature = cosign(note, self.config.key, timestamp)
        cosigned = Note(note.text, note.signatures).with_signatures(signature)
        text = cosigned.to_text()
        # Advance the state as it stands now, not as the cycle began: the audit has moved its
        # cursor on since (``_save_audit``), and the cycle's copy would put it back.
        self.state.update(
            known.origin,
            lambda now: self.state.put(
                (now or known).advanced(checkpoint.size, checkpoint.root_hash, text)
            ),
        )
        self.state.publish(text)
        try:
            self.server.post_cosignature(checkpoint.size, signature)
        except Unreachable as exc:
            return [
                Finding(
                    Check.COSIGNATURE,
                    f"the server did not take this witness's cosignature: {exc.message}",
                    size=checkpoint.size,
                )
            ]
        # the copy keeps only cosignatures its own keyring admits
        with contextlib.suppress(CeasefireError):
            witnessing.attach(self.mirror.store, checkpoint.size, signature, self.clock())
        return []

    # --- receipts and peers ------------------------------------------------------------------

    def _receipts(self) -> tuple[ReceiptCount, list[Finding]]:
        folder = self.config.receipts
        followed = self.followed()
        if folder is None or followed is None:
            return ReceiptCount(), []
        return check_receipts(
            folder, VerifierKey.from_text(followed.vkey), self.mirror, self.clock()
        )

    def _peers(self) -> tuple[int, list[Finding], list[cosigners.Read]]:
        followed = self.followed()
        if followed is None or not self.config.peers:
            return 0, [], []
        findings: list[Finding] = []
        read: list[cosigners.Read] = []
        log_key = VerifierKey.from_text(followed.vkey)
        for peer in self.config.peers:
            try:
                note = self.fetch_peer(peer)
                read.append(cosigners.Read(peer, note, peer=True))
                found = check_peer(peer, note, followed, log_key, self.server)
            except Unreachable as exc:
                found = Finding(Check.UNREACHABLE, f"peer {peer}: {exc.message}")
            if found is not None:
                findings.append(found)
        return len(self.config.peers), findings, read

    def _cosigners(self, peers: Sequence[cosigners.Read]) -> list[Finding]:
        """The witnesses' cosignatures on the server's checkpoint (read again: this witness's
        own is on it now) and on the peers' (``witness.cosigners``)."""
        followed = self.followed()
        if followed is None:
            return []
        read = list(peers)
        with contextlib.suppress(Unreachable):  # the cycle raised that alarm already
            read.insert(0, cosigners.Read(self.server.url, self.server.checkpoint()))
        keys = witnessing.witness_keys(self.mirror.store)
        log_key = VerifierKey.from_text(followed.vkey)
        return cosigners.check(self.state, followed.origin, read, keys, log_key, self.clock())

    def followed(self) -> LogState | None:
        """The state of the followed log (the log of the copy), once anything is held."""
        try:
            origin = self.mirror.store.head().identity.origin
        except CeasefireError:
            return None
        return self.state.get(origin)
