"""``ceasefire demo``: the mechanism's main job, run on the story of October–November 2025.

Creates a fresh store on the embedded SQLite default and plays the scenario
``scenarios/istanbul-2025.yaml`` through the real services (:mod:`ceasefire.cli.scenario`), a
line for each signed event: the Istanbul agreement signed by all four signatories; allegations
from both parties and the monitors, contradicting each other; photos in the evidence locker with
their chain of custody and flags (a capture time a year off, a photo recycled from an earlier
incident); confidential compliance claims, one disclosed, provably unchanged; cases worked
through every state, findings signed by both mediators, a penalty imposed and appealed, the
6 November meeting's decisions, a reply that never came and a reporting deadline missed.

Then it prints the status the record ends in, with its explanation, and a summary; shows the
evidence locker and the record as the public and as a mediator see them; checks a checkpoint
and its proofs with nothing but the log's verifier key, has both parties' witnesses cosign, runs
``verify`` and ``rebuild``, and catches a single changed byte in a copy of the store.

The scenario keeps its own clock, so every run tells the same story; only keys and ids differ.
"""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from ceasefire import bootstrap
from ceasefire.cli import common, output, scenario_run
from ceasefire.cli import demo_story as story
from ceasefire.cli.common import b64
from ceasefire.cli.scenario import DEFAULT, parse
from ceasefire.domain.actors import Actor
from ceasefire.domain.brief_events import BriefPeriod, Edition
from ceasefire.errors import Conflict, VerificationError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.envelope import Envelope, Sealed
from ceasefire.log.keys import VerifierKey
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.services import agreements as agreement_service
from ceasefire.services import briefs as brief_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services import log as log_service
from ceasefire.services import reports as report_service
from ceasefire.services import tokens as token_service
from ceasefire.services import witnessing
from ceasefire.services.casework import Signer
from ceasefire.services.readmodels import compare, rebuild
from ceasefire.services.scenario import Done, Loaded, Ref, Scenario
from ceasefire.services.verify import verify_store
from ceasefire.settings import Settings
from ceasefire.storage.log_store import SqlLogStore

_MARKER = ".ceasefire-demo"
_REPORTS = ("report", "correct")


WEEKS: Final = tuple(date(2025, 10, 26) + timedelta(weeks=n) for n in range(5))
"""The Sundays that end the story's weeks (26 October to 23 November 2025)."""


def demo(
    data: Annotated[Path, typer.Option(help="Folder for the demo store (recreated).")] = Path(
        "demo-data"
    ),
    scenario_file: Annotated[
        Path,
        typer.Option(
            "--scenario",
            help="The scenario to play (YAML); a relative path is looked for from the current "
            "directory, then from the repository root.",
        ),
    ] = DEFAULT,
) -> None:
    """Play the October–November 2025 scenario (agreement, reports, evidence, cases, findings,
    a penalty, the 6 November meeting), show the status it ends in, then check the record as a
    sceptical party would: proofs, witnesses, verify, rebuild, and a tampered copy caught."""
    scenario = parse(scenario_file)  # a missing or bad file refuses before anything is made
    settings = _fresh_settings(data)
    with bootstrap.opened(settings, create=True) as store:
        _Demo(store, settings, scenario).run(scenario_file)


def _fresh_settings(data: Path) -> Settings:
    if data.exists():
        if not (data / _MARKER).exists():
            raise Conflict(f"{data} exists and is not a demo folder; choose another --data")
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / _MARKER).write_text("made by `ceasefire demo`; safe to delete\n")
    # The embedded default, whatever CEASEFIRE_DATABASE_URL says: the demo is self-contained.
    return Settings(data=data, database_url=f"sqlite:///{data / 'ceasefire.db'}")


def _chapter(title: str) -> None:
    output.info(f"\n[bold]{title}[/]")


def _line(index: int, text: str) -> None:
    """One appended event: its log index, then what it says."""
    output.info(f"  [cyan]{index:>3}[/] {text}")


def _label(ref: object) -> str:
    assert isinstance(ref, Ref)
    return ref.label


def _require(holds: bool, message: str) -> None:
    if not holds:
        raise VerificationError(f"the demo expected {message}")


class _Demo:
    """One run of the story against one store."""

    def __init__(self, store: SqlLogStore, settings: Settings, scenario: Scenario) -> None:
        self.store, self.settings, self.scenario = store, settings, scenario
        self.labelled: dict[str, Done] = {}
        self.corrected: set[str] = set()  # labels of reports a later one corrects
        self.adopted = False

    def run(self, file: Path) -> None:
        output.info(story.PREFACE.format(file=file))
        _chapter(
            f"{self.scenario.start:%-d %B %Y} — the mechanism's log opens; the operator proposes "
            "the agreement and enrols the personas"
        )
        loaded = scenario_run.play(self.store, self.settings, self.scenario, self._told)
        scenario_run.show(scenario_run.summarise(self.store, loaded), loaded.names())
        self._evidence_flags()
        self._tables()
        report = self._first_report()
        self._briefs(loaded)
        self._proofs(loaded, report)
        self._verify_and_rebuild()
        self._catch_tampering(report)
        self._write_tokens()
        self._try_next(loaded.ended)

    # --- the story, as it is played -------------------------------------------------------------

    def _told(self, done: Done) -> None:
        step = done.step
        if step is not None and step.chapter:
            _chapter(step.chapter)
        if done.label is not None:
            self.labelled[done.label] = done
        if done.do == "correct" and step is not None:
            self.corrected.add(_label(step.fields["report"]))
        _line(done.indices.start, story.narrate(done, self.scenario))
        if done.do == "sign_agreement" and not self.adopted:
            self._announce_adoption()
        if done.do == "disclose":
            self._check_disclosure(done)

    def _announce_adoption(self) -> None:
        version = agreement_service.versions(self.store)[-1]
        if version.adopted_at is None:
            return
        self.adopted = True
        output.info(
            f"[green]version {version.proposal.version} adopted[/] at index {version.adopted_at},"
            f" digest {version.proposal.digest}: every report from now on is checked against it"
        )

    def _check_disclosure(self, done: Done) -> None:
        """What any reader of the log can do: open the old commitment with what was published."""
        assert done.step is not None
        label = _label(done.step.fields["report"])
        sealed_at, disclosed_at = self.labelled[label].indices.start, done.indices.start
        original, disclosure = (
            Envelope.from_leaf(next(self.store.entries(i, i + 1))[1])
            for i in (sealed_at, disclosed_at)
        )
        body: Mapping[str, Any] = disclosure.body or {}
        opened = Sealed(base64.b64decode(body["salt"]), dict(body["body"]))
        commitment = original.commitment or ""
        _require(opened.matches(commitment), "the disclosure to open the commitment")
        output.info(
            f"      [green]disclosure verified[/]: they hash to {commitment[:23]}…, the "
            f"commitment the log has held since index {sealed_at} — report {label} is what was "
            "sealed"
        )

    def _first_report(self) -> tuple[str, Done]:
        """The first report of the story: the one whose proofs are shown and whose leaf is
        tampered with."""
        found = next((item for item in self.labelled.items() if item[1].do in _REPORTS), None)
        _require(found is not None, "the scenario to have a labelled report")
        assert found is not None
        return found

    # --- what the record says ------------------------------------------------------------------

    def _evidence_flags(self) -> None:
        _chapter(
            f"The evidence locker as {story.MEDIATOR} sees it; flags are questions, not verdicts"
        )
        viewer = self._viewer(story.MEDIATOR)
        for label, done in self.labelled.items():
            if done.do not in _REPORTS or done.ref is None or label in self.corrected:
                continue
            for item in evidence_service.evidence_for_report(self.store, viewer, done.ref):
                output.info(f"  report {label} ({done.ref[:8]}): {item.name}")
                for flag in item.flags:
                    output.info(f"      [yellow]flag[/] {flag.code}: {flag.message}")
                if not item.flags:
                    output.info("      no flags: capture time and place agree with the report")
                chain = " → ".join(
                    f"{step.action} by {step.actor}" + (f" to {step.to}" if step.to else "")
                    for step in item.custody
                )
                output.info(f"      custody: {chain}")

    def _tables(self) -> None:
        output.info(
            "\nSources are graded on the Admiralty scale: reliability A (reliable) to F (cannot "
            "be judged), credibility 1 (confirmed) to 6 (cannot be judged)."
        )
        for reader, title in ((None, "the public"), (story.MEDIATOR, story.MEDIATOR)):
            views = report_service.list_reports(self.store, self._viewer(reader))
            output.info("")
            rows = [story.row(view) for view in sorted(views, key=lambda v: v.index)]
            output.table(f"The reports as {title} sees them", story.COLUMNS, rows)

    def _briefs(self, loaded: Loaded) -> None:
        """The secretariat publishes the weekly briefs of the story, as the record stands at its
        end: each brief's digests go into the log, for the witnesses to regenerate and check."""
        _chapter("The secretariat publishes the weekly briefs")
        secretariat = next(p.id for p in self.scenario.personas if p.role == "secretariat")
        assert loaded.ended is not None
        moment = loaded.ended + timedelta(minutes=30)
        signer = Signer(loaded.keys[secretariat], loaded.log_key, lambda: moment)
        for day in WEEKS:
            asked = brief_service.BriefRequest(BriefPeriod.WEEKLY, day, Edition.PUBLIC)
            appended, published = brief_service.publish(self.store, signer, asked)
            _line(
                appended.indices.start,
                f"{secretariat} publishes the weekly brief to {day:%-d %B} (checkpoint "
                f"{published.checkpoint_size}, HTML {published.html_sha256[:16]}…)",
            )

    def _proofs(self, loaded: Loaded, report: tuple[str, Done]) -> None:
        _chapter("Checking the record with nothing but the log's verifier key")
        vkey = VerifierKey.from_text(self.store.head().identity.log_vkey)
        output.info("the log's verifier key, which each party pins out of band:")
        output.data(vkey.to_text())
        note = log_service.checkpoint_note(self.store)
        checkpoint, _ = open_checkpoint(note, vkey, origin=self.scenario.origin)
        output.info("[green]checkpoint signature verified[/] with the vkey:")
        output.data(note)
        label, index = report[0], report[1].indices.start
        size, root = checkpoint.size, checkpoint.root_hash
        inclusion = log_service.prove_inclusion(self.store, index, size)
        verify_inclusion(inclusion.leaf_hash, index, size, inclusion.proof, root)
        output.info(
            f"[green]inclusion proof verified[/]: report {label} at index {index} is in the tree "
            f"of size {size} ({len(inclusion.proof)} hashes):"
        )
        for step in inclusion.proof:
            output.data(f"  {b64(step)}")
        old = loaded.adopted_size
        consistency = log_service.prove_consistency(self.store, old, size)
        verify_consistency(old, size, consistency.old_root, root, consistency.proof)
        output.info(
            f"[green]consistency proof verified[/]: the tree of size {old} (when the agreement "
            f"was adopted) is a prefix of the tree of size {size} — nothing rewritten"
        )
        # a witness cosigns after the log signed the checkpoint (the briefs came last)
        later = self.store.latest_checkpoint().created_at + timedelta(minutes=1)
        for witness in (p.id for p in self.scenario.personas if p.role == "witness"):
            witnessing.cosign_latest(self.store, loaded.keys[witness], later)
        output.info("[bold]the checkpoint, cosigned by both parties' witnesses[/]")
        output.data(log_service.checkpoint_note(self.store))

    def _verify_and_rebuild(self) -> None:
        _chapter("Recomputing everything, as each party's witness does")
        report = verify_store(self.store, records=self.store)
        output.info(
            f"[bold]verify[/]: {'[green]ok[/]' if report.ok else '[red]FAILED[/]'} — "
            f"{report.entries_checked} entries and their signatures, {report.nodes_checked} "
            f"subtree hashes, {report.checkpoints_checked} checkpoints and their cosignatures, "
            "and the read models compared with a replay of the log"
        )
        replayed = rebuild(self.store)
        differences = compare(self.store)
        output.info(
            f"[bold]rebuild[/]: the read models dropped and replayed from {replayed} log entries; "
            f"{len(differences)} differences from the log"
        )

    def _catch_tampering(self, report: tuple[str, Done]) -> None:
        copy = self.settings.data / "tampered.db"
        label, index = report[0], report[1].indices.start
        with (
            closing(sqlite3.connect(self.settings.data / "ceasefire.db")) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)  # a consistent copy, WAL included
        # The operator quietly edits one report: two letters of a place name in its leaf.
        assert report[1].step is not None
        place = str(report[1].step.fields["body"]["location"]["place"])
        edited_place = place[:-2] + place[-1] + place[-2]
        with closing(sqlite3.connect(copy)) as connection, connection:
            ((leaf,),) = connection.execute("SELECT leaf FROM log_entries WHERE idx = ?", (index,))
            edited = bytes(leaf).replace(place.encode(), edited_place.encode(), 1)
            connection.execute("UPDATE log_entries SET leaf = ? WHERE idx = ?", (edited, index))
        with bootstrap.opened(Settings(data=copy.parent, database_url=f"sqlite:///{copy}")) as db:
            first = verify_store(db).first_problem
        if first is None:
            raise VerificationError("the demo expected verify to catch the changed letters")
        output.info(
            f"[bold]verify on a copy with two letters swapped[/] ({place} → {edited_place} in "
            f"report {label}, index {index}): [red]caught[/] — first bad index {first.index}: "
            f"{first.where}: {first.message}"
        )

    def _write_tokens(self) -> None:
        """An API token for every actor with a valid key, in ``<data>/tokens/<actor>.token``."""
        folder = self.settings.data / "tokens"
        folder.mkdir(mode=0o700)
        actors = sorted({r.actor for r in self.store.key_records() if r.revoked_at is None})
        for actor in actors:
            created = token_service.create(self.store, actor, common.now())
            path = folder / f"{actor}.token"
            path.touch(mode=0o600)
            path.write_text(created.secret + "\n", encoding="ascii")

    def _try_next(self, ended: datetime | None) -> None:
        folder = self.settings.data
        reports = [d.ref for d in self.labelled.values() if d.do in _REPORTS and d.ref]
        photos = [d for d in self.labelled.values() if d.do == "evidence" and d.ref]
        copied = [d for d in photos if d.metadata and d.metadata.captured_at is None]
        photo = (copied or photos)[-1].ref
        output.info(
            f"\nThe demo store and every actor's key are in {folder} ({folder}/keys/<actor>.key "
            "signs as that actor). Try (ceasefire is .venv/bin/ceasefire outside the venv):"
        )
        for command in (
            f"report list --data {folder}",
            f"report list --data {folder} --as {story.MEDIATOR}",
            f"report show {reports[-1]} --data {folder} --as {story.MEDIATOR}",
            f"evidence show {photo} --data {folder} --as {story.MEDIATOR}",
            f"case list --data {folder}",
            f"status --data {folder} --as-of 2025-11-22",
            f"status --data {folder} --as-of 2025-11-23",
            f"agreement show --data {folder}",
            f"verify --data {folder}",
            f"verify --data {folder} --database-url sqlite:///{folder}/tampered.db",
        ):
            output.info(f"  ceasefire {command}")
        site = f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"  # make demo's PORT
        output.info(
            f"\nServing: `ceasefire serve --data {folder}` (what `make demo` runs next). Open "
            f"{site}/ for the web interface (the dashboard, the map, the incidents, "
            f"the log explorer; ?lang=ur for Urdu) and sign in with an actor's token from "
            f"{folder}/tokens/<actor>.token, e.g. tr-mediator-1.token; the API is at "
            f"{site}/api/v1/docs (POST /api/v1/events takes events the actor "
            f"signed)."
        )
        if ended is not None:
            moment = f"{ended:%Y-%m-%dT%H:%M:%SZ}"
            output.info(
                f"The story ends on {ended:%-d %B %Y}: {site}/?as_of={moment} shows the "
                "dashboard as of then. Without as_of, the pages compute the record as of "
                "today, when every deadline the parties have had since counts as missed."
            )

    def _viewer(self, actor: str | None) -> Actor | None:
        return None if actor is None else report_service.viewer_of(self.store, actor)
