"""The sentences the services write in English, in the reader's language.

Every figure of the status explains itself in sentences the domain writes in English
(``domain.enforcement*``): "verified violations by pk: 1", "deadline 2025-11-06 (evidence until
2025-11-09): open, …"; the place check (``services.geography.check_place``) says where a
report's point contradicts its words: "the report names Wana, but the nearest place of that name
… lies 212 km from the point, …". The domain stays free of languages; here each sentence's shape is a
pattern whose message, with its named parts (party and act ids, dates, counts), is looked up in
the catalogue like any other. A sentence no pattern knows is shown as written: in English, never
lost. ``tests/web/test_i18n.py`` checks that every sentence of the demo's status matches one.
"""

# ruff: noqa: E501 - a message stays one literal, for the catalogue's extractor
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final


def _(message: str) -> str:
    """Marks a message for the catalogue (``python -m ceasefire.web.i18n``); translated later."""
    return message


_ID = r"[0-9a-f]{32}"
_DAY = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"
_N = r"\d+"
_WORD = r"[A-Za-z0-9_().,\- ]+?"
_ANY = r".+?"
_WINDOW = rf"(?: in the (?P<days>{_N}) days to (?P<to>{_DAY}))"
_KM = r"\d+(?:\.\d+)?"
_BEYOND = (
    rf"beyond the (?P<radius>{_KM}) km uncertainty of a location given as '(?P<precision>\w+)'"
)

_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    (r"standing of (?P<party>\S+)", _("standing of %(party)s")),
    (r"all of these hold", _("all of these hold")),
    (r"at least one of these holds", _("at least one of these holds")),
    (r"holding: no status rule holds", _("holding: no status rule holds")),
    (
        rf"(?P<status>\w+): status_rules\[(?P<rule>{_N})\] holds for (?P<party>\S+), as declared "
        rf"by (?P<by>\S+): (?P<reason>{_ANY})",
        _(
            "%(status)s: status rule %(rule)s holds for %(party)s, as declared by %(by)s: %(reason)s"
        ),
    ),
    (
        rf"(?P<status>\w+): status_rules\[(?P<rule>{_N})\] holds for (?P<party>\S+): "
        rf"(?P<reason>{_ANY})",
        _("%(status)s: status rule %(rule)s holds for %(party)s: %(reason)s"),
    ),
    (
        rf"status_rules\[(?P<rule>{_N})\] \((?P<status>\w+)\) for (?P<party>\S+): does not hold",
        _("status rule %(rule)s (%(status)s) for %(party)s: does not hold"),
    ),
    # The counts, each alone, over a window of days, or narrowed to some acts or commitments.
    (
        rf"verified violations by (?P<party>\S+) of (?P<acts>{_WORD}){_WINDOW}: (?P<n>{_N})",
        _("verified violations by %(party)s of %(acts)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"verified violations by (?P<party>\S+) of (?P<acts>{_WORD}): (?P<n>{_N})",
        _("verified violations by %(party)s of %(acts)s: %(n)s"),
    ),
    (
        rf"verified violations by (?P<party>\S+){_WINDOW}: (?P<n>{_N})",
        _("verified violations by %(party)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"verified violations by (?P<party>\S+): (?P<n>{_N})",
        _("verified violations by %(party)s: %(n)s"),
    ),
    (
        rf"open allegations against (?P<party>\S+) of (?P<acts>{_WORD}){_WINDOW}: (?P<n>{_N})",
        _("open allegations against %(party)s of %(acts)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"open allegations against (?P<party>\S+) of (?P<acts>{_WORD}): (?P<n>{_N})",
        _("open allegations against %(party)s of %(acts)s: %(n)s"),
    ),
    (
        rf"open allegations against (?P<party>\S+){_WINDOW}: (?P<n>{_N})",
        _("open allegations against %(party)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"open allegations against (?P<party>\S+): (?P<n>{_N})",
        _("open allegations against %(party)s: %(n)s"),
    ),
    (
        rf"replies missed by (?P<party>\S+){_WINDOW}: (?P<n>{_N})",
        _("replies missed by %(party)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (rf"replies missed by (?P<party>\S+): (?P<n>{_N})", _("replies missed by %(party)s: %(n)s")),
    (
        rf"missed deadlines of (?P<party>\S+) on (?P<commitments>{_WORD}){_WINDOW}: (?P<n>{_N})",
        _("missed deadlines of %(party)s on %(commitments)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"missed deadlines of (?P<party>\S+) on (?P<commitments>{_WORD}): (?P<n>{_N})",
        _("missed deadlines of %(party)s on %(commitments)s: %(n)s"),
    ),
    (
        rf"missed deadlines of (?P<party>\S+){_WINDOW}: (?P<n>{_N})",
        _("missed deadlines of %(party)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"missed deadlines of (?P<party>\S+): (?P<n>{_N})",
        _("missed deadlines of %(party)s: %(n)s"),
    ),
    (
        rf"commitments breached by (?P<party>\S+) on (?P<commitments>{_WORD}): (?P<n>{_N})",
        _("commitments breached by %(party)s on %(commitments)s: %(n)s"),
    ),
    (
        rf"commitments breached by (?P<party>\S+){_WINDOW}: (?P<n>{_N})",
        _("commitments breached by %(party)s in the %(days)s days to %(to)s: %(n)s"),
    ),
    (
        rf"commitments breached by (?P<party>\S+): (?P<n>{_N})",
        _("commitments breached by %(party)s: %(n)s"),
    ),
    # Penalties and the ladder.
    (
        rf"penalty step of (?P<party>\S+): (?P<level>{_N}) \((?P<name>{_ANY})\)",
        _("penalty step of %(party)s: %(level)s (%(name)s)"),
    ),
    (
        r"penalty imposed on (?P<party>\S+): none in force",
        _("penalty imposed on %(party)s: none in force"),
    ),
    (
        rf"penalty imposed on (?P<party>\S+): step (?P<level>{_N}) \((?P<name>{_ANY})\)",
        _("penalty imposed on %(party)s: step %(level)s (%(name)s)"),
    ),
    (
        rf"penalty (?P<penalty>{_ID}): step (?P<level>{_N}) \((?P<name>{_ANY})\) imposed "
        rf"(?P<at>{_TIME})",
        _("penalty %(penalty)s: step %(level)s (%(name)s) imposed %(at)s"),
    ),
    (
        rf"step (?P<level>{_N}) \((?P<name>{_ANY})\) applies",
        _("step %(level)s (%(name)s) applies"),
    ),
    (
        rf"step (?P<level>{_N}) \((?P<name>{_ANY})\) does not apply",
        _("step %(level)s (%(name)s) does not apply"),
    ),
    (
        rf"step (?P<level>{_N}) \((?P<name>{_ANY})\): (?P<n>{_N})",
        _("step %(level)s (%(name)s): %(n)s"),
    ),
    # What is counted.
    (
        rf"allegation (?P<report>{_ID}): (?P<act>\S+) on (?P<day>{_DAY}), open",
        _("allegation %(report)s: %(act)s on %(day)s, open"),
    ),
    (
        rf"no reply from (?P<party>\S+) in case (?P<case>{_ID}), due (?P<due>{_TIME})",
        _("no reply from %(party)s in case %(case)s, due %(due)s"),
    ),
    (
        rf"finding (?P<finding>{_ID}) in case (?P<case>{_ID}), issued (?P<at>{_TIME}): "
        rf"(?P<acts>{_ANY}) on (?P<day>{_DAY}), attributed to (?P<party>\S+) "
        rf"\((?P<attribution>\w+), (?P<confidence>\w+)\)",
        _(
            "finding %(finding)s in case %(case)s, issued %(at)s: %(acts)s on %(day)s, attributed to %(party)s (%(attribution)s, %(confidence)s)"
        ),
    ),
    (
        rf"finding (?P<finding>{_ID}) in case (?P<case>{_ID}), issued (?P<at>{_TIME}): "
        rf"(?P<acts>{_ANY}) on (?P<day>{_DAY}), not attributed "
        rf"\((?P<attribution>\w+), (?P<confidence>\w+)\)",
        _(
            "finding %(finding)s in case %(case)s, issued %(at)s: %(acts)s on %(day)s, not attributed (%(attribution)s, %(confidence)s)"
        ),
    ),
    # The commitments.
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), negative\): met: no verified violation by \S+ "
        rf"of clauses (?P<clauses>{_ANY})",
        _(
            "%(commitment)s (%(party)s, negative): met: no verified violation of clauses %(clauses)s"
        ),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), negative\): breached by (?P<n>{_N}) verified "
        rf"violation\(s\) of clauses (?P<clauses>{_ANY})",
        _(
            "%(commitment)s (%(party)s, negative): breached by %(n)s verified violation(s) of clauses %(clauses)s"
        ),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), positive\): (?P<state>\w+): the deadline of "
        rf"(?P<day>{_DAY}) is open until (?P<until>{_DAY})",
        _(
            "%(commitment)s (%(party)s, positive): %(state)s: the deadline of %(day)s is open until %(until)s"
        ),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), positive\): (?P<state>\w+): the deadline of "
        rf"(?P<day>{_DAY}) was missed; (?P<n>{_N}) deadline\(s\) missed in all",
        _(
            "%(commitment)s (%(party)s, positive): %(state)s: the deadline of %(day)s was missed; %(n)s deadline(s) missed in all"
        ),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), positive\): (?P<state>\w+): the deadline of "
        rf"(?P<day>{_DAY}) was missed",
        _("%(commitment)s (%(party)s, positive): %(state)s: the deadline of %(day)s was missed"),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), positive\): (?P<state>\w+): the deadline of "
        rf"(?P<day>{_DAY}) is met(?:; (?P<n>{_N}) deadline\(s\) missed in all)?",
        _("%(commitment)s (%(party)s, positive): %(state)s: the deadline of %(day)s is met"),
    ),
    (
        rf"(?P<commitment>\S+) \((?P<party>\S+), positive\): (?P<state>\w+): its last deadline, "
        rf"(?P<day>{_DAY}), was met",
        _("%(commitment)s (%(party)s, positive): %(state)s: its last deadline, %(day)s, was met"),
    ),
    (
        rf"deadline (?P<day>{_DAY}) \(evidence until (?P<until>{_DAY})\)(?:, set by a "
        rf"meeting decision)?: met by (?P<reports>{_ANY})",
        _("deadline %(day)s (evidence until %(until)s): met by %(reports)s"),
    ),
    (
        rf"deadline (?P<day>{_DAY}) \(evidence until (?P<until>{_DAY})\)(?:, set by a "
        rf"meeting decision)?: missed, no claim of (?P<steps>{_ANY}) by (?P<party>\S+) that counts",
        _(
            "deadline %(day)s (evidence until %(until)s): missed, no claim of %(steps)s by %(party)s that counts"
        ),
    ),
    (
        rf"deadline (?P<day>{_DAY}) \(evidence until (?P<until>{_DAY})\)(?:, set by a "
        rf"meeting decision)?: open, no claim of (?P<steps>{_ANY}) by (?P<party>\S+) yet",
        _(
            "deadline %(day)s (evidence until %(until)s): open, no claim of %(steps)s by %(party)s yet"
        ),
    ),
    (
        rf"claim (?P<report>{_ID}): (?P<step>\S+) by (?P<party>\S+), submitted (?P<at>\S+): "
        r"counts, verified",
        _("claim %(report)s: %(step)s by %(party)s, submitted %(at)s: counts, verified"),
    ),
    (
        rf"claim (?P<report>{_ID}): (?P<step>\S+) by (?P<party>\S+), submitted (?P<at>\S+): "
        r"counts, not yet verified",
        _("claim %(report)s: %(step)s by %(party)s, submitted %(at)s: counts, not yet verified"),
    ),
    (
        rf"claim (?P<report>{_ID}): (?P<step>\S+) by (?P<party>\S+), submitted (?P<at>\S+): "
        rf"does not count: (?P<why>{_ANY})",
        _("claim %(report)s: %(step)s by %(party)s, submitted %(at)s: does not count: %(why)s"),
    ),
)
_PLACE_PHRASES: Final[tuple[tuple[str, str], ...]] = (
    (
        rf"the report says (?P<said>{_ANY}), but the point lies in (?P<country>{_ANY}), "
        rf"(?P<km>{_KM}) km from the border line: {_BEYOND}\.",
        _(
            "the report says %(said)s, but the point lies in %(country)s, %(km)s km from the border line: beyond the %(radius)s km uncertainty of a location given as '%(precision)s'."
        ),
    ),
    (
        rf"the report says (?P<said>{_ANY}), but only the country is known: somewhere in "
        rf"(?P<country>{_ANY}), possibly at the border\.",
        _(
            "the report says %(said)s, but only the country is known: somewhere in %(country)s, possibly at the border."
        ),
    ),
    (
        rf"the report names sector (?P<sector>\S+), but the point lies (?P<km>{_KM}) km outside "
        rf"its box, {_BEYOND}",
        _(
            "the report names sector %(sector)s, but the point lies %(km)s km outside its box, beyond the %(radius)s km uncertainty of a location given as '%(precision)s'"
        ),
    ),
    (
        rf"the report names (?P<place>{_ANY}), but the nearest place of that name "
        rf"\((?P<where>{_ANY})\) lies (?P<km>{_KM}) km from the point, {_BEYOND}",
        _(
            "the report names %(place)s, but the nearest place of that name (%(where)s) lies %(km)s km from the point, beyond the %(radius)s km uncertainty of a location given as '%(precision)s'"
        ),
    ),
)
"""The place check's flags (``services.geography.check_place``)."""
_PATTERNS: Final = tuple(
    (re.compile(rf"^{p}$"), message) for p, message in (*_PHRASES, *_PLACE_PHRASES)
)


def known(text: str) -> bool:
    """Whether a pattern knows the sentence ``text``."""
    if counted := _THRESHOLD.match(text):
        text = counted["head"]
    return any(pattern.match(text) for pattern, _ in _PATTERNS)


_THRESHOLD: Final = re.compile(rf"^(?P<head>.+) \(at least (?P<min>{_N}) needed\)$")
"""A count held against a rule's threshold: the count is said, then the threshold."""


def say(text: str, gettext: Callable[[str], str]) -> str:
    """``text`` in the language of ``gettext``, its named parts kept as written; a sentence no
    pattern knows, as written."""
    if (counted := _THRESHOLD.match(text)) and known(counted["head"]):
        needed = gettext(_("(at least %(min)s needed)")) % {"min": counted["min"]}
        return f"{say(counted['head'], gettext)} {needed}"
    for pattern, message in _PATTERNS:
        if found := pattern.match(text):
            parts = {name: value or "" for name, value in found.groupdict().items()}
            return gettext(message) % parts
    return text
