"""Datasets in and out over HTTP: ``GET /api/v1/exports/{format}`` gives each caller what it may
see, redacted as it sees it; ``POST /api/v1/events/batch`` appends client-signed envelopes all
or none, one receipt each.

One service per module and database holds a public Afghan allegation, a confidential Pakistani
one and an Afghan one with a withheld source; batches append to it after the exports are read
(each export is compared with the report list read at the same moment).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ceasefire.cli import client as cli_client
from ceasefire.cli import remote_import
from ceasefire.cli.main import app as cli
from ceasefire.interchange.formats import Format, read
from ceasefire.log.keys import SigningKey
from ceasefire.log.receipt import verify_receipt
from ceasefire.services import imports as import_service
from ceasefire.services import keys as key_service
from ceasefire.services import tokens as token_service
from ceasefire.services.map_data import MapStatus
from ceasefire.storage.keyfiles import write_key
from tests.api import read_fixtures
from tests.api.conftest import Service, payload, serving, signed
from tests.api.read_fixtures import CALLERS
from tests.report_bodies import allegation_body, observation_body, protected_body

module_database_url = read_fixtures.module_database_url

ANONYMOUS = "anonymous"
SECRET_NARRATIVE = "Mortar fire from across the border hit a checkpost near Chaman."
SEES_SECRET = {"pk_liaison", "tr_mediator", "qa_mediator", "monitor"}


@pytest.fixture(scope="module")
def service(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with serving(module_database_url, tmp_path_factory.mktemp("data")) as found:
        yield found


@pytest.fixture(scope="module")
def ids(service: Service) -> dict[str, str]:
    m = service.mechanism
    return {
        "public": m.submit("af_liaison", allegation_body()),
        "secret": m.submit(
            "pk_liaison",
            allegation_body(
                alleged_party="af",
                act="artillery_fire",
                actors=["Afghan border forces"],
                narrative=SECRET_NARRATIVE,
            ),
            confidential=True,
        ),
        "protected": m.submit(
            "af_liaison",
            protected_body(),
        ),
    }


def export(service: Service, fmt: str, persona: str = ANONYMOUS, **params: Any) -> httpx.Response:
    headers = {} if persona == ANONYMOUS else service.auth(persona)
    response: httpx.Response = service.client.get(
        f"/api/v1/exports/{fmt}", headers=headers, params=params
    )
    return response


def visible(service: Service, persona: str, **params: Any) -> set[str]:
    headers = {} if persona == ANONYMOUS else service.auth(persona)
    page = service.client.get(
        "/api/v1/reports", headers=headers, params={"status": "active", "limit": 200} | params
    ).json()
    return {r["id"] for r in page["items"]}


def rows(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


# --- exports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", CALLERS)
def test_an_export_holds_what_the_caller_may_see_redacted_as_it_sees_it(
    service: Service, ids: dict[str, str], persona: str
) -> None:
    response = export(service, "csv", persona)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "private, no-cache"
    found = rows(response)
    seen = visible(service, persona)
    assert int(response.headers["x-export-count"]) == len(found) == len(seen)
    sees_secret = persona in SEES_SECRET
    assert (ids["secret"] in response.text) is sees_secret
    assert (SECRET_NARRATIVE in response.text) is sees_secret
    assert ("Gul Khan" in response.text) is (
        persona in {"af_liaison", *SEES_SECRET} - {"pk_liaison"}
    )


def test_every_format_carries_the_incident_of_each_report(
    service: Service, ids: dict[str, str]
) -> None:
    geojson = export(service, "geojson")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    features = json.loads(geojson.text)["features"]
    assert len(features) == int(geojson.headers["x-export-count"]) == 2
    assert all(f["properties"].get("incident_id") for f in features)
    for fmt in ("acled", "ucdp"):
        response = export(service, fmt)
        assert len(rows(response)) == int(response.headers["x-export-count"]) == 2
        assert {r["incident_id"] for r in rows(response)} == {
            f["properties"]["incident_id"] for f in features
        }


def test_exports_are_filtered_as_the_report_list_is(service: Service, ids: dict[str, str]) -> None:
    for persona in (ANONYMOUS, "pk_liaison"):
        response = export(service, "csv", persona, act="artillery_fire")
        expected = visible(service, persona, act="artillery_fire")
        assert int(response.headers["x-export-count"]) == len(expected)
    assert export(service, "csv", until="2025-10-01").headers["x-export-count"] == "0"
    assert export(service, "csv", status="withdrawn").headers["x-export-count"] == "0"


@pytest.mark.parametrize("status", list(MapStatus))
def test_an_export_is_filtered_by_the_verification_status_it_says(
    service: Service, ids: dict[str, str], status: MapStatus
) -> None:
    for persona in (ANONYMOUS, "tr_mediator"):
        every = rows(export(service, "csv", persona))
        assert {r["verification"] for r in every if r["incident_id"]} <= {
            s.value for s in MapStatus
        }
        assert all(r["verification"] == "" for r in every if not r["incident_id"])
        response = export(service, "csv", persona, verification=status.value)
        assert response.status_code == 200, response.text
        expected = {r["report_id"] for r in every if r["verification"] == status.value}
        assert {r["report_id"] for r in rows(response)} == expected
        assert int(response.headers["x-export-count"]) == len(expected)


def test_every_row_says_its_incident_s_verification_status(
    service: Service, ids: dict[str, str]
) -> None:
    found = {r["report_id"]: r for r in rows(export(service, "csv", "tr_mediator"))}
    assert (found[ids["public"]]["verification"], found[ids["protected"]]["verification"]) == (
        "unconfirmed", "unconfirmed",
    )  # fmt: skip
    secret = found[ids["secret"]]  # confidential: in no incident
    assert (secret["incident_id"], secret["verification"]) == ("", "")
    geojson = json.loads(export(service, "geojson").text)["features"]
    assert {f["properties"]["verification"] for f in geojson} == {"unconfirmed"}


@pytest.mark.parametrize(
    ("fmt", "params", "field"),
    [
        ("xml", {}, "path.format"),
        ("csv", {"bbox": "1,2"}, "bbox"),
        ("csv", {"status": "x"}, "status"),
        ("csv", {"verification": "checked"}, "verification"),
    ],
)
def test_a_bad_export_request_is_refused_with_its_field(
    service: Service, fmt: str, params: dict[str, Any], field: str
) -> None:
    response = export(service, fmt, **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


# --- batches ----------------------------------------------------------------------------------


def batch(service: Service, persona: str, count: int) -> list[dict[str, Any]]:
    return [payload(signed(service.mechanism, persona)[0]) for _ in range(count)]


def post_batch(
    service: Service, persona: str, documents: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    response: httpx.Response = service.client.post(
        "/api/v1/events/batch", json=documents, headers=service.auth(persona) | (headers or {})
    )
    return response


def test_a_batch_is_appended_at_once_with_one_verifiable_receipt_each(
    service: Service, ids: dict[str, str]
) -> None:
    before = service.size()
    documents = batch(service, "af_liaison", 3)
    response = post_batch(service, "af_liaison", documents)
    assert response.status_code == 201, response.text
    receipts = response.json()["receipts"]
    assert [r["index"] for r in receipts] == [before, before + 1, before + 2]
    assert service.size() == before + 3
    for document, answer in zip(documents, receipts, strict=True):
        receipt = verify_receipt(answer["receipt"], service.mechanism.log_key.note_key())
        assert receipt.event_id == answer["event_id"] == document["envelope"]["id"]
    assert {d["envelope"]["id"] for d in documents} <= visible(service, "af_liaison")


@pytest.mark.parametrize(
    ("spoil", "status", "code", "field"),
    [
        (lambda d: d["envelope"].pop("sig"), 422, "invalid_input", "batch[1].envelope.sig"),
        (
            lambda d: d["envelope"]["body"].pop("narrative"),
            422,
            "verification_failed",
            "batch[1].envelope.sig",
        ),
    ],
    ids=["unsigned", "tampered"],
)
def test_one_bad_envelope_refuses_the_whole_batch(
    service: Service, ids: dict[str, str], spoil: Any, status: int, code: str, field: str
) -> None:
    before = service.size()
    documents = batch(service, "af_liaison", 3)
    spoil(documents[1])
    response = post_batch(service, "af_liaison", documents)
    assert response.status_code == status, response.text
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert service.size() == before


def test_a_body_the_record_refuses_is_named_by_its_place_in_the_batch(
    service: Service, ids: dict[str, str]
) -> None:
    before = service.size()
    bad = allegation_body(act="not-an-act-of-the-agreement")
    documents = batch(service, "af_liaison", 2)
    documents.insert(1, payload(signed(service.mechanism, "af_liaison", body=bad)[0]))
    response = post_batch(service, "af_liaison", documents)
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith("batch[1].envelope.body")
    assert service.size() == before


def test_an_event_sent_twice_in_one_batch_is_named_as_such(
    service: Service, ids: dict[str, str]
) -> None:
    before = service.size()
    documents = batch(service, "af_liaison", 2)
    response = post_batch(service, "af_liaison", [*documents, documents[0]])
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["field"] == "batch[2].envelope.id"
    assert "appears twice in this batch" in problem["detail"]
    assert "already in the log" not in problem["detail"]
    assert service.size() == before


def test_an_actor_posts_only_batches_it_signed(service: Service, ids: dict[str, str]) -> None:
    before = service.size()
    documents = batch(service, "af_liaison", 1) + batch(service, "pk_liaison", 1)
    response = post_batch(service, "af_liaison", documents)
    assert response.status_code == 403
    assert response.json()["field"] == "batch[1].envelope.actor"
    assert service.size() == before
    anonymous = service.client.post("/api/v1/events/batch", json=documents)
    assert anonymous.status_code == 401


def test_a_retried_batch_gets_its_original_receipts_and_a_replay_is_refused(
    service: Service, ids: dict[str, str]
) -> None:
    documents = batch(service, "monitor", 2)
    key = {"Idempotency-Key": "import-0001"}
    first = post_batch(service, "monitor", documents, key)
    assert first.status_code == 201, first.text
    size = service.size()
    again = post_batch(service, "monitor", documents, key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert service.size() == size
    other = post_batch(service, "monitor", batch(service, "monitor", 1), key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    replayed = post_batch(service, "monitor", documents)
    assert replayed.status_code == 409, replayed.text
    assert replayed.json()["field"].startswith("batch[0]")
    assert service.size() == size


@pytest.mark.parametrize(
    ("documents", "field"),
    [
        ({"envelope": {}}, "batch"),
        ([], "batch"),
        ([{}] * 1001, "batch"),
        ([{}], "batch[0].envelope"),
    ],
)
def test_a_batch_must_be_a_list_of_1_to_1000_events(
    service: Service, documents: Any, field: str
) -> None:
    response = post_batch(service, "monitor", documents)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_every_envelope_of_a_batch_counts_against_the_rate(
    database_url: str, tmp_path: Path
) -> None:
    with serving(database_url, tmp_path / "data", api_rate_per_minute=3) as service:
        too_big = post_batch(service, "af_liaison", batch(service, "af_liaison", 4))
        assert too_big.status_code == 422
        assert too_big.json()["field"] == "batch"
        assert post_batch(service, "af_liaison", batch(service, "af_liaison", 3)).status_code == 201
        refused = post_batch(service, "af_liaison", batch(service, "af_liaison", 1))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1


def test_an_importer_posts_its_rows_at_a_rate_of_its_own(database_url: str, tmp_path: Path) -> None:
    settings = {"api_rate_per_minute": 3, "api_importer_rate_per_minute": 8}
    with serving(database_url, tmp_path / "data", **settings) as service:
        importer = enrol_importer(service)
        rows = [
            payload(signed(service.mechanism, importer, body=observation_body(f"5700{n:02d}"))[0])
            for n in range(9)
        ]
        assert post_batch(service, importer, rows[:5]).status_code == 201  # over 3, under 8
        too_big = post_batch(service, importer, rows)
        assert too_big.status_code == 422
        assert "at most 8 events" in too_big.json()["detail"]
        assert "CEASEFIRE_API_IMPORTER_RATE_PER_MINUTE" in too_big.json()["detail"]
        assert post_batch(service, importer, rows[5:8]).status_code == 201
        assert post_batch(service, importer, rows[8:]).status_code == 429
        liaison = post_batch(service, "af_liaison", batch(service, "af_liaison", 4))
        assert "CEASEFIRE_API_RATE_PER_MINUTE" in liaison.json()["detail"]


def enrol_importer(service: Service) -> str:
    """An importer enrolled, with its key and an API token: the persona's name."""
    m = service.mechanism
    key = SigningKey.generate("importer-1")
    key_service.enrol(
        m.store, actor="importer-1", public_key=key.public_key, role="importer",
        affiliation=None, operator_key=m.operator_key, log_key=m.log_key, clock=m.tick,
    )  # fmt: skip
    m.keys["importer"] = key
    service.tokens["importer"] = token_service.create(m.store, "importer-1", m.now).secret
    return "importer"


# --- `ceasefire import --url`: rows signed on the importer's machine, posted in batches ---------

ACLED = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,latitude,longitude,fatalities,notes",
    "PAK1,2025-10-12,Battles,Armed clash,Military Forces of Pakistan,31.0052,66.3994,2,Clash",
    "PAK2,2025-10-13,Battles,Armed clash,Unidentified Armed Group,95,66.3994,1,Bad latitude",
    "PAK3,2025-10-14,Explosions/Remote violence,Air/drone strike,,32.9,69.4,0,Strike",
)


class _InProcess(httpx.BaseTransport):
    """Hands each request to the app under test; closing it leaves the app running."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.service.client.send(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def test_import_with_url_signs_here_and_posts_batches_with_verified_receipts(
    service: Service, ids: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cli_client,
        "http_client",
        lambda url: httpx.Client(base_url=url, transport=_InProcess(service)),
    )
    dataset = tmp_path / "acled.csv"
    dataset.write_text("\n".join(ACLED) + "\n", encoding="utf-8")
    key_file = tmp_path / "monitor.key"
    write_key(key_file, service.mechanism.key("monitor"))
    args = [
        "import", str(dataset), "--format", "acled", "--key", str(key_file),
        "--url", "http://mechanism.test", "--token", service.tokens["monitor"],
        "--log-vkey", service.mechanism.log_key.note_key().to_text(),
        "--receipts", str(tmp_path / "receipts"), "--json",
    ]  # fmt: skip
    before = service.size()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert (counts["new"], counts["rejected"]) == (2, 1)
    assert "latitude" in counts["rejects"][0]
    assert service.size() == before + 2
    assert len(list((tmp_path / "receipts").glob("*.receipt"))) == 2
    again = json.loads(CliRunner().invoke(cli, args).stdout)
    assert (again["new"], again["unchanged"], again["rejected"]) == (0, 2, 1)
    assert service.size() == before + 2

    # a newer release: PAK1's toll revised, a new row PAK4; PAK3 as it was
    held = service.client.get("/api/v1/reports", params={"origin": "acled:PAK1"}).json()
    (old,) = held["items"]
    newer = [ACLED[0], ACLED[1].replace(",2,Clash", ",5,Clash"), ACLED[3],
             "PAK4,2025-10-15,Battles,Armed clash,,31.1,66.4,1,Another clash"]  # fmt: skip
    dataset.write_text("\n".join(newer) + "\n", encoding="utf-8")
    release = json.loads(CliRunner().invoke(cli, args).stdout)
    assert (release["new"], release["changed"], release["unchanged"]) == (1, 1, 1)
    assert service.size() == before + 4
    corrected = service.client.get(f"/api/v1/reports/{old['id']}").json()
    assert corrected["status"] == "corrected"
    (now,) = service.client.get(
        "/api/v1/reports", params={"origin": "acled:PAK1", "status": "active"}
    ).json()["items"]
    assert (now["corrects"], now["body"]["casualties"]) == (old["id"], corrected_toll(5))

    # the lookup pages through the server's answers, a row at a time here
    with cli_client.http_client("http://mechanism.test") as http:
        server = cli_client.Remote(
            "http://mechanism.test", service.tokens["monitor"], args[args.index("--log-vkey") + 1],
            tmp_path / "receipts",
        ).server(http)  # fmt: skip
        held = remote_import.held_rows(server, ["acled:PAK1", "acled:NOPE", "acled:PAK3"], page=1)
    assert set(held) == {"acled:PAK1", "acled:PAK3"}
    assert held["acled:PAK1"] == {"id": now["id"], "body": now["body"]}


def corrected_toll(killed: int) -> dict[str, Any]:
    return {"killed": {"unknown": killed}}


def test_reports_are_found_by_the_dataset_rows_they_hold(
    service: Service, ids: dict[str, str]
) -> None:
    nothing = service.client.get("/api/v1/reports", params={"origin": "acled:NOPE"}).json()
    assert (nothing["items"], nothing["total"]) == ([], 0)
    many = [("origin", f"acled:PAK{n}") for n in range(201)]
    refused = service.client.get("/api/v1/reports", params=many)
    assert refused.status_code == 422
    assert refused.json()["field"] == "origin"


def test_an_import_over_the_rate_waits_as_the_server_says_and_goes_on(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(database_url, tmp_path / "data", api_importer_rate_per_minute=2) as service:
        importer = enrol_importer(service)
        monkeypatch.setattr(
            cli_client,
            "http_client",
            lambda url: httpx.Client(base_url=url, transport=_InProcess(service)),
        )
        clock = [1_000.0]
        service.client.app.state.limits.per_importer.clock = lambda: clock[0]  # type: ignore[attr-defined]
        waits: list[float] = []

        def sleep(seconds: float) -> None:  # the server's bucket refills while the client waits
            waits.append(seconds)
            clock[0] += seconds

        key_file = tmp_path / "importer.key"
        write_key(key_file, service.mechanism.key(importer))
        remote = cli_client.Remote(
            "http://mechanism.test", service.tokens[importer],
            service.mechanism.log_key.note_key().to_text(), tmp_path / "receipts",
        )  # fmt: skip
        at = service.mechanism.now
        ctx = import_service.context_of(remote_import.remote_agreement(remote), at)
        lines = [ACLED[0], ACLED[1], ACLED[3], ACLED[1].replace("PAK1,", "PAK4,")]
        counts = remote_import.import_rows(
            remote, key_file, read(Format.ACLED, io.StringIO("\n".join(lines) + "\n"), ctx),
            at=at, rejects=lambda _: None, progress=lambda *_: None, total=4, batch_rows=2,
            sleep=sleep,
        )  # fmt: skip
    assert (counts.new, counts.rejected) == (3, 0)
    assert waits == [30.0]  # two tokens a minute, both spent by the first batch: 30 s to the next


def test_import_with_url_withdraws_what_a_whole_release_dropped(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(database_url, tmp_path / "data") as service:
        importer = enrol_importer(service)
        monkeypatch.setattr(
            cli_client,
            "http_client",
            lambda url: httpx.Client(base_url=url, transport=_InProcess(service)),
        )
        dataset = tmp_path / "acled.csv"
        key_file = tmp_path / "importer.key"
        write_key(key_file, service.mechanism.key(importer))
        args = [
            "import", str(dataset), "--format", "acled", "--key", str(key_file),
            "--url", "http://mechanism.test", "--token", service.tokens[importer],
            "--log-vkey", service.mechanism.log_key.note_key().to_text(),
            "--receipts", str(tmp_path / "receipts"), "--json", "--withdraw-missing",
        ]  # fmt: skip
        first = [ACLED[0], ACLED[1], ACLED[3], ACLED[1].replace("PAK1,", "PAK4,")]
        dataset.write_text("\n".join(first) + "\n", encoding="utf-8")
        assert json.loads(CliRunner().invoke(cli, args[:-1]).stdout)["new"] == 3
        listed = service.client.get("/api/v1/reports", params={"dataset": "acled"}).json()
        assert listed["total"] == 3
        none = service.client.get("/api/v1/reports", params={"dataset": "acle"}).json()
        assert none["total"] == 0  # a dataset is matched whole, not as a prefix of its name

        # the release with a bad row: nothing may be withdrawn
        dataset.write_text("\n".join(ACLED[:3]) + "\n", encoding="utf-8")
        spoilt = json.loads(CliRunner().invoke(cli, args).stdout)
        assert (spoilt["rejected"], spoilt["withdrawn"]) == (1, 0)
        assert "nothing was withdrawn" in spoilt["not_withdrawn"][0]

        # the whole release holds PAK1 only: PAK3 and PAK4 are withdrawn, signed here
        dataset.write_text("\n".join(ACLED[:2]) + "\n", encoding="utf-8")
        before = service.size()
        whole = json.loads(CliRunner().invoke(cli, args).stdout)
        assert (whole["unchanged"], whole["withdrawn"], whole["not_withdrawn"]) == (1, 2, [])
        assert service.size() == before + 2
        active = service.client.get(
            "/api/v1/reports", params={"dataset": "acled", "status": "active"}
        ).json()
        assert [item["body"]["origin"]["id"] for item in active["items"]] == ["PAK1"]
        assert len(list((tmp_path / "receipts").glob("*.receipt"))) == 5


@pytest.mark.parametrize("fmt", [Format.ACLED, Format.GEOJSON])
def test_import_with_url_of_the_server_s_own_export_posts_nothing(
    database_url: str, tmp_path: Path, fmt: Format
) -> None:
    with serving(database_url, tmp_path / "data") as service:
        importer = enrol_importer(service)
        key_file = tmp_path / "importer.key"
        write_key(key_file, service.mechanism.key(importer))
        remote = cli_client.Remote(
            "http://mechanism.test", service.tokens[importer],
            service.mechanism.log_key.note_key().to_text(), tmp_path / "receipts",
        )  # fmt: skip
        at = service.mechanism.now

        def imported(text: str, fmt: Format) -> import_service.ImportCounts:
            ctx = import_service.context_of(remote_import.remote_agreement(remote), at)
            return remote_import.import_rows(
                remote, key_file, read(fmt, io.StringIO(text, newline=""), ctx), at=at,
                rejects=lambda _: None, progress=lambda *_: None, total=0,
            )  # fmt: skip

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                cli_client,
                "http_client",
                lambda url: httpx.Client(base_url=url, transport=_InProcess(service)),
            )
            assert imported("\n".join(ACLED) + "\n", Format.ACLED).new == 2
            service.mechanism.submit("af_liaison", allegation_body())  # the record's own
            before = service.size()
            again = imported(export(service, fmt.value, importer).text, fmt)
        assert (again.new, again.changed, again.unchanged, again.rejected) == (0, 0, 3, 0)
        assert service.size() == before
