"""The brief check: every published brief regenerated from the witness's own copy, on SQLite and
on PostgreSQL, against the app in process over a copy of the demo store."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ceasefire.briefs.render import Format
from ceasefire.cli.demo import WEEKS
from ceasefire.domain.brief_events import (
    BRIEF_PUBLISHED,
    BriefPeriod,
    BriefPublished,
    Edition,
)
from ceasefire.services import briefs as brief_service
from ceasefire.services.casework import Signer
from ceasefire.services.log import submit
from ceasefire.storage.keyfiles import read_key
from ceasefire.witness.alarms import Check
from ceasefire.witness.follower import Outcome
from ceasefire.witness.remote import Server
from tests.witness.conftest import Setup

pytestmark = pytest.mark.slow  # the demo store is played once, in a process

DAY = date(2025, 11, 20)


def _signer(setup: Setup) -> Signer:
    return Signer(
        read_key(setup.data / "keys" / "secretariat-1.key"),
        setup.log_key,
        lambda: datetime.now(UTC).replace(microsecond=0),
    )


def _publish(setup: Setup, period: BriefPeriod = BriefPeriod.WEEKLY) -> tuple[int, BriefPublished]:
    """The secretariat publishes a true brief (its digests as the server renders it)."""
    request = brief_service.BriefRequest(period, DAY)
    appended, published = brief_service.publish(setup.server_store, _signer(setup), request)
    return appended.indices[0], published


def _record(setup: Setup, published: BriefPublished) -> int:
    """The secretariat signs a ``brief.published`` body of its choosing: the operator's side
    may sign, but the content is what is checked."""
    appended, _ = submit(
        setup.server_store,
        _signer(setup).key,
        BRIEF_PUBLISHED,
        published.to_body(),
        log_key=setup.log_key,
        clock=_signer(setup).clock,
    )
    return appended.indices[0]


def _true(setup: Setup) -> BriefPublished:
    """What a weekly public brief of ``DAY`` at the current checkpoint records."""
    request = brief_service.BriefRequest(BriefPeriod.WEEKLY, DAY)
    brief = brief_service.compute_brief(setup.server_store, request)
    return BriefPublished(
        BriefPeriod.WEEKLY,
        DAY,
        Edition.PUBLIC,
        brief.checkpoint.size,
        brief.checkpoint.root,
        brief.agreement_version,
        brief_service.render_brief(brief, Format.HTML).sha256,
        brief_service.render_brief(brief, Format.MD).sha256,
    )


def _briefs(outcome: Outcome) -> list[dict[str, Any]]:
    return [a.to_json() for a in outcome.alarms if a.check in (Check.BRIEF, Check.FIGURES)]


def test_a_true_brief_is_regenerated_once_and_cosigned(setup: Setup) -> None:
    index, published = _publish(setup)
    follower = setup.follower()
    outcome = follower.cycle()
    assert (outcome.cosigned, outcome.alarms) == (True, ()), [a.describe() for a in outcome.alarms]
    # the witness's copy holds no checkpoint at the brief's size: it drew the root from its tree
    assert index == published.checkpoint_size == outcome.size - 1
    # the demo's own weekly briefs are checked too, once each, on this first cycle
    assert list(follower.briefs.cache)[-1] == (
        published.checkpoint_size,
        "weekly",
        DAY.isoformat(),
        "public",
    )
    assert len(follower.briefs.cache) == len(WEEKS) + 1
    regenerated = follower.briefs.cache[
        (published.checkpoint_size, "weekly", "2025-11-20", "public")
    ]
    assert (regenerated.html, regenerated.md) == (published.html_sha256, published.md_sha256)
    # a later cycle checks only the briefs after the tree it cosigned
    follower.briefs.cache.clear()
    again = follower.cycle()
    assert (again.cosigned, again.alarms, follower.briefs.cache) == (True, (), {})


def test_a_brief_whose_digest_the_log_does_not_support_is_an_alarm(setup: Setup) -> None:
    true = _true(setup)
    false = replace(true, md_sha256=hashlib.sha256(b"a kinder brief").hexdigest())
    index = _record(setup, false)
    outcome = setup.follower().cycle()
    assert outcome.cosigned is False
    alarms = _briefs(outcome)
    assert [a["check"] for a in alarms] == ["brief"], alarms
    alarm = alarms[0]
    assert (alarm["index"], alarm["events"], alarm["size"]) == (index, [index], index + 1)
    assert (alarm["expected"], alarm["found"]) == (true.md_sha256, false.md_sha256)
    assert alarm["details"] == {
        "period": "weekly",
        "date": "2025-11-20",
        "edition": "public",
        "checkpoint": true.checkpoint_size,
        "compared": "md sha256",
    }
    assert f"entry {index}" in alarm["message"]


def test_a_brief_of_a_root_the_log_never_had_is_an_alarm(setup: Setup) -> None:
    true = _true(setup)
    index = _record(setup, replace(true, checkpoint_root="ab" * 32))
    alarm = _briefs(setup.follower().cycle())[0]
    assert (alarm["check"], alarm["index"], alarm["found"]) == ("brief", index, "ab" * 32)
    assert alarm["expected"] == true.checkpoint_root


def test_a_confidential_edition_is_skipped(setup: Setup) -> None:
    true = _true(setup)
    _record(setup, replace(true, edition=Edition.CONFIDENTIAL, md_sha256="00" * 32))
    follower = setup.follower()
    outcome = follower.cycle()
    assert (outcome.cosigned, outcome.alarms) == (True, ())
    assert follower.briefs.skipped == 1


class Listing(Server):
    """Serves the list of briefs changed by ``edit``."""

    edit: Any = None

    def document(self, path: str, params: Any = None) -> Any:
        found = super().document(path, params)
        if path == "/briefs":
            found["items"] = type(self).edit(found["items"])
        return found


def test_a_brief_listed_that_the_log_does_not_hold_or_one_omitted_is_an_alarm(
    setup: Setup,
) -> None:
    index, _ = _publish(setup)
    setup.follower().cycle()

    class Omitting(Listing):
        edit = staticmethod(lambda items: [i for i in items if i["index"] != index])

    alarm = _briefs(setup.follower(Omitting("http://testserver", setup.client)).cycle())[0]
    assert (alarm["check"], alarm["events"]) == ("figures", [index])
    assert alarm["details"] == {"figure": "briefs", "path": f"briefs/{len(WEEKS)}"}
    assert f"omits the brief its log holds at index {index}" in alarm["message"]

    class Inventing(Listing):
        edit = staticmethod(lambda items: [*items, {**items[0], "index": 3, "date": "2025-11-01"}])

    alarm = _briefs(setup.follower(Inventing("http://testserver", setup.client)).cycle())[0]
    assert (alarm["check"], alarm["events"]) == ("figures", [3])
    assert "lists a brief at index 3 (weekly 2025-11-01, public)" in alarm["message"]


def test_a_brief_the_server_renders_otherwise_is_an_alarm(setup: Setup) -> None:
    index, published = _publish(setup)

    class Rewording(Server):
        def rendered(self, path: str, params: Any, header: str) -> tuple[bytes, str | None]:
            content, digest = super().rendered(path, params, header)
            if params["checkpoint"] != published.checkpoint_size:
                return content, digest  # one of the demo's own briefs, served as it is
            assert (path, params["checkpoint"], digest) == (
                "/briefs/weekly/2025-11-20",
                published.checkpoint_size,
                published.md_sha256,
            )
            return content + b"\nAll is calm.\n", digest

    outcome = setup.follower(Rewording("http://testserver", setup.client)).cycle()
    alarm = _briefs(outcome)[0]
    assert (alarm["check"], alarm["index"], alarm["details"]["compared"]) == (
        "brief",
        index,
        "served md",
    )
    assert alarm["expected"] == published.md_sha256 != alarm["found"]
    assert outcome.cosigned is False
