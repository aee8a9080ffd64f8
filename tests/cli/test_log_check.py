"""``ceasefire log check``: a party with nothing but the log's verifier key checks the latest
checkpoint, its own entries' inclusion, and that the log grew without being rewritten."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire.cli import client as cli_client
from ceasefire.cli.client import LogApi
from ceasefire.cli.main import app as cli
from ceasefire.errors import VerificationError
from ceasefire.log.cosignature import cosign
from ceasefire.log.keys import SigningKey
from ceasefire.log.note import Note
from ceasefire.services import log_check
from tests.api.conftest import Service
from tests.cli.test_client_mode import service  # noqa: F401 (the app in process)
from tests.record_factories import ORIGIN
from tests.report_bodies import allegation_body

runner = CliRunner()
URL = "http://mechanism.test"


def check(service: Service, *args: str, code: int = 0) -> str:  # noqa: F811
    vkey = service.mechanism.log_key.note_key().to_text()
    result = runner.invoke(cli, ["log", "check", "--url", URL, "--log-vkey", vkey, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_a_party_checks_its_entries_and_that_the_log_only_grew(
    service: Service,  # noqa: F811
    tmp_path: Path,
) -> None:
    first = service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (1)."))
    index = service.mechanism.store.find("rm_events", "id", [first])[0]["idx"]
    state = tmp_path / "accepted.checkpoint"
    out = check(service, "--entry", str(index), "--entry", "0", "--state", str(state))
    assert f"entry {index} is in the tree" in out and "checkpoint verified" in out
    size = service.mechanism.size()
    assert state.read_text(encoding="utf-8").startswith(f"{ORIGIN}\n{size}\n")
    service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (2)."))
    answer = json.loads(check(service, "--state", str(state), "--json"))
    assert answer == {
        "tree_size": size + 1,
        "root_hash": answer["root_hash"],
        "entries": [],
        "since": size,
        "cosigned": {},
        "quorum": None,
    }


def test_a_checkpoint_signed_by_another_key_is_refused(service: Service) -> None:  # noqa: F811
    impostor = SigningKey.generate(ORIGIN).note_key().to_text()
    result = runner.invoke(cli, ["log", "check", "--url", URL, "--log-vkey", impostor])
    assert result.exit_code == 7, result.output
    flat = " ".join(result.output.split())  # the message as printed, wrapped or not
    assert f"expected one of [{ORIGIN}+" in flat and f"found [{ORIGIN}+" in flat  # both keys


def test_an_entry_beyond_the_checkpoint_is_not_found(service: Service) -> None:  # noqa: F811
    size = service.mechanism.size()
    out = check(service, "--entry", str(size + 5), code=4)
    assert f"entry {size + 5} is not in the checkpoint's tree of {size} entries" in out


class _Rewritten:
    """A server that answers for another history: same checkpoint key, different leaves."""

    def __init__(self, honest: log_check.LogSource, forged: dict[int, Any]) -> None:
        self.honest, self.forged = honest, forged

    def checkpoint(self) -> str:
        return self.honest.checkpoint()

    def entry(self, index: int) -> Any:
        return self.forged.get(index) or self.honest.entry(index)

    def inclusion(self, index: int, size: int) -> Any:
        return self.honest.inclusion(index, size)

    def consistency(self, old: int, new: int) -> Any:
        return self.honest.consistency(old, new)


def test_an_entry_altered_by_the_server_is_caught(service: Service) -> None:  # noqa: F811
    report = service.mechanism.submit("af_liaison", allegation_body(narrative="At Parachinar."))
    index = service.mechanism.store.find("rm_events", "id", [report])[0]["idx"]
    with cli_client.http_client(URL) as http:
        honest = LogApi(http)
        altered = json.loads(json.dumps(honest.entry(index)))
        altered["envelope"]["body"]["narrative"] = "At Parachinra."
        vkey = service.mechanism.log_key.note_key()
        with pytest.raises(VerificationError, match=f"entry {index} is not in the checkpoint"):
            log_check.check(_Rewritten(honest, {index: altered}), vkey, [index])
        log_check.check(honest, vkey, [index])


def test_a_log_that_shrank_is_a_rewritten_history(service: Service, tmp_path: Path) -> None:  # noqa: F811
    service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (3)."))
    with cli_client.http_client(URL) as http:
        honest = LogApi(http)
        vkey = service.mechanism.log_key.note_key()
        later = honest.checkpoint()
        service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (4)."))
        # the note accepted "later" is newer than what a server replaying the older one shows
        newest = log_check.check(honest, vkey, []).note

        class _Older(_Rewritten):
            def checkpoint(self) -> str:
                return later

        with pytest.raises(VerificationError, match="the log shrank"):
            log_check.check(_Older(honest, {}), vkey, [], accepted=newest)


# --- witnesses' cosignatures (--witness-vkey) --------------------------------------------------

WITNESS = SigningKey.generate("witness.example/pk")


class Cosigning(LogApi):
    """The server's answers, its checkpoint cosigned by WITNESS at ``at`` (None: not cosigned)."""

    at: int | None = None

    def checkpoint(self) -> str:
        note = Note.from_text(super().checkpoint())
        if self.at is None:
            return note.to_text()
        return note.with_signatures(cosign(note, WITNESS, self.at)).to_text()


@pytest.fixture
def cosigning(monkeypatch: pytest.MonkeyPatch) -> type[Cosigning]:
    monkeypatch.setattr(cli_client, "LogApi", Cosigning)
    Cosigning.at = None
    return Cosigning


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def test_a_pinned_witness_cosignature_is_shown_and_one_from_the_future_refused(
    service: Service,  # noqa: F811
    cosigning: type[Cosigning],
) -> None:
    witness = ("--witness-vkey", WITNESS.cosignature_key().to_text())
    assert f"not cosigned by {WITNESS.name}" in check(service, *witness)
    cosigning.at = _now() - 60
    assert f"cosigned by {WITNESS.name} at {cosigning.at} (" in check(service, *witness)
    answer = json.loads(check(service, *witness, "--json"))
    assert answer["cosigned"] == {WITNESS.name: cosigning.at}
    cosigning.at = _now() + 3600
    refused = check(service, *witness, code=7)
    assert "no witness can have cosigned in the future" in refused
    assert f"{WITNESS.name}'s cosignature of the tree of {service.size()} entries" in refused


def test_a_checkpoint_short_of_its_quorum_of_witnesses_is_not_accepted(
    service: Service,  # noqa: F811
    cosigning: type[Cosigning],
    tmp_path: Path,
) -> None:
    """``--quorum K``: K of the pinned witnesses must have cosigned; short of it the check
    exits 7 and the state keeps the checkpoint accepted before (no proof is written: the
    witnesses may just not have seen it yet)."""
    other = SigningKey.generate("witness.example/qa")
    state = tmp_path / "accepted"
    pinned = ("--witness-vkey", WITNESS.cosignature_key().to_text(),
              "--witness-vkey", other.cosignature_key().to_text())  # fmt: skip
    short = check(service, *pinned, "--quorum", "1", "--state", str(state), code=7)
    assert "cosigned by 0 of the 2 pinned witnesses (none), short of the quorum of 1" in short
    assert not state.exists() and not state.with_name("accepted.refused").exists()
    cosigning.at = _now() - 60
    answer = json.loads(check(service, *pinned, "--quorum", "1", "--state", str(state), "--json"))
    assert answer["quorum"] == {"needed": 1, "met": True}
    assert state.exists()
    before = state.read_text(encoding="utf-8")
    service.mechanism.submit("af_liaison", allegation_body())
    short = check(service, *pinned, "--quorum", "2", "--state", str(state), code=7)
    assert f"cosigned by 1 of the 2 pinned witnesses ({WITNESS.name})" in short
    assert state.read_text(encoding="utf-8") == before
    too_many = check(service, *pinned, "--quorum", "3", code=3)
    assert "a quorum of 3 needs at least 3 --witness-vkey (given 2)" in too_many


def test_a_witness_that_went_back_is_refused_and_both_checkpoints_are_kept(
    service: Service,  # noqa: F811
    cosigning: type[Cosigning],
    tmp_path: Path,
) -> None:
    state, witness = tmp_path / "accepted", ("--witness-vkey", WITNESS.cosignature_key().to_text())
    cosigning.at = _now()
    check(service, "--state", str(state), *witness)
    accepted, size = state.read_text(encoding="utf-8"), service.size()
    service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (5)."))
    cosigning.at = _now() - 120  # the larger tree, cosigned before the smaller one
    refused = check(service, "--state", str(state), *witness, code=7)
    assert f"witness {WITNESS.name} cosigned the tree of {size} entries" in " ".join(
        refused.split()
    )
    assert state.read_text(encoding="utf-8") == accepted  # the state keeps the one accepted
    presented = (tmp_path / "accepted.refused").read_text(encoding="utf-8")
    assert presented.startswith(f"{ORIGIN}\n{size + 1}\n") and WITNESS.name in presented
    cosigning.at = _now()  # the witness moves on: accepted again
    check(service, "--state", str(state), *witness)
    assert state.read_text(encoding="utf-8").startswith(f"{ORIGIN}\n{size + 1}\n")


def test_an_older_cosignature_of_the_accepted_checkpoint_is_a_warning_and_the_newer_is_kept(
    service: Service,  # noqa: F811
    cosigning: type[Cosigning],
    tmp_path: Path,
) -> None:
    state, witness = tmp_path / "accepted", ("--witness-vkey", WITNESS.cosignature_key().to_text())
    newer = cosigning.at = _now()
    check(service, "--state", str(state), *witness)
    accepted = state.read_text(encoding="utf-8")
    for older in (newer - 60, None):  # an older cosignature, then none at all
        cosigning.at = older
        out = check(service, "--state", str(state), *witness)
        assert "warning: the server serves" in out and "the newer is kept" in out
        assert state.read_text(encoding="utf-8") == accepted


def test_a_witness_vkey_that_is_not_a_cosignature_key_is_refused(service: Service) -> None:  # noqa: F811
    out = check(service, "--witness-vkey", WITNESS.note_key().to_text(), code=3)
    assert "type 0x04" in out


def test_every_refusal_of_the_log_s_history_holds_both_notes(service: Service) -> None:  # noqa: F811
    with cli_client.http_client(URL) as http:
        honest = LogApi(http)
        vkey = service.mechanism.log_key.note_key()
        older = honest.checkpoint()
        service.mechanism.submit("af_liaison", allegation_body(narrative="Shelling (6)."))
        newest = log_check.check(honest, vkey, []).note

        class _Older(_Rewritten):
            def checkpoint(self) -> str:
                return older

        with pytest.raises(log_check.Refused) as refused:
            log_check.check(_Older(honest, {}), vkey, [], accepted=newest)
    assert (refused.value.accepted, refused.value.presented) == (newest, older)
