"""``ceasefire demo``: the mechanism's main job, run on the story of October 2025.

Creates a fresh store on the embedded SQLite default and plays :mod:`ceasefire.cli.demo_story`
through the real services: the Istanbul agreement proposed and adopted by all four signatories;
allegations from both parties, a monitor's observation with a protected source, confidential
compliance claims (one disclosed, provably unchanged); a correction and a withdrawal; photos in
the evidence locker with their chain of custody and flags (a capture time a year off, a recycled
image). Then it shows the record as the public and as a mediator see it, checks a checkpoint and
its proofs with nothing but the log's verifier key, has both parties' witnesses cosign, runs
``verify`` and ``rebuild``, and catches a single changed byte in a copy of the store.

The demo keeps its own clock, so every run tells the same story; only keys and ids differ.
"""

from __future__ import annotations

import base64
import shutil
import sqlite3
import tempfile
from collections.abc import Mapping
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire import bootstrap
from ceasefire.cli import demo_story as story
from ceasefire.cli import output
from ceasefire.cli.common import b64
from ceasefire.domain.actors import Actor
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.errors import Conflict, VerificationError
from ceasefire.log.checkpoint import open_checkpoint
from ceasefire.log.envelope import Envelope, Sealed
from ceasefire.log.keys import SigningKey, VerifierKey
from ceasefire.log.proofs import verify_consistency, verify_inclusion
from ceasefire.media.images import analyse
from ceasefire.services import agreements as agreement_service
from ceasefire.services import evidence as evidence_service
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import reports as report_service
from ceasefire.services import witnessing
from ceasefire.services.readmodels import compare, rebuild
from ceasefire.services.verify import verify_store
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from ceasefire.storage.log_store import SqlLogStore

_MARKER = ".ceasefire-demo"


def demo(
    data: Annotated[Path, typer.Option(help="Folder for the demo store (recreated).")] = Path(
        "demo-data"
    ),
) -> None:
    """Run the mechanism on the October 2025 story: agreement, reports, evidence, disclosure,
    proofs, witnesses, verify, rebuild — and catch a tampered copy."""
    settings = _fresh_settings(data)
    with (
        bootstrap.opened(settings, create=True) as store,
        tempfile.TemporaryDirectory(prefix="ceasefire-demo-") as photos,
    ):
        _Demo(store, settings, Path(photos)).run()


def _fresh_settings(data: Path) -> Settings:
    if data.exists():
        if not (data / _MARKER).exists():
            raise Conflict(f"{data} exists and is not a demo folder; choose another --data")
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / _MARKER).write_text("made by `ceasefire demo`; safe to delete\n")
    # The embedded default, whatever CEASEFIRE_DATABASE_URL says: the demo is self-contained.
    return Settings(data=data, database_url=f"sqlite:///{data / 'ceasefire.db'}")


class _Clock:
    """The demo's own clock: it jumps from day to day of the story and ticks within a day."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self) -> datetime:
        self.now += timedelta(minutes=7)
        return self.now

    def on(self, month: int, day: int, hour: int = 9) -> None:
        self.now = max(self.now, datetime(2025, month, day, hour, tzinfo=UTC))


def _chapter(title: str) -> None:
    output.info(f"\n[bold]{title}[/]")


def _line(index: int, text: str) -> None:
    """One appended event: its log index, then what it says."""
    output.info(f"  [cyan]{index:>3}[/] {text}")


def _require(holds: bool, message: str) -> None:
    if not holds:
        raise VerificationError(f"the demo expected {message}")


class _Demo:
    """One run of the story against one store."""

    def __init__(self, store: SqlLogStore, settings: Settings, photos: Path) -> None:
        self.store, self.settings, self.photos = store, settings, photos
        self.clock = _Clock(story.START)
        self.log_key = SigningKey.generate(story.ORIGIN)
        self.operator_key = SigningKey.generate("operator")
        self.keys: dict[str, SigningKey] = {}
        self.reports: dict[str, report_service.Submitted] = {}
        self.files: dict[str, str] = {}  # photo file name -> SHA-256
        self.adopted_size = 0

    def run(self) -> None:
        output.info(story.PREFACE)
        self._open_the_log()
        self._adopt_the_agreement()
        self._allegations()
        self._custody()
        self._withdraw_the_duplicate()
        self._observe_torkham()
        self._correct_kurram()
        self._claims_in_confidence()
        self._disclose_at_istanbul()
        self._evidence_flags()
        self._tables()
        self._proofs()
        self._verify_and_rebuild()
        self._catch_tampering()
        self._try_next()

    # --- the story ---------------------------------------------------------------------------

    def _open_the_log(self) -> None:
        _chapter("19 October 2025 — ceasefire agreed in Doha; the mechanism's log opens")
        write_key(self.settings.log_key_path, self.log_key)
        write_key(self.settings.operator_key_path, self.operator_key)
        tick = self.clock.tick
        log_service.initialise(self.store, story.ORIGIN, self.log_key, self.operator_key, tick())
        agreement = load_bundled()
        proposed = agreement_service.propose(
            self.store, agreement, key=self.operator_key, log_key=self.log_key, clock=tick
        )
        _line(proposed.indices.start, f"operator proposes {agreement.title}, version 1")
        for actor, role, affiliation in story.ACTORS:
            self.keys[actor] = key = SigningKey.generate(actor)
            appended = key_service.enrol(
                self.store,
                actor=actor,
                public_key=key.public_key,
                role=role,
                affiliation=affiliation,
                operator_key=self.operator_key,
                log_key=self.log_key,
                clock=tick,
            )
            write_key(self.settings.keys_dir / f"{actor}.key", key)  # to go on with the CLI
            acting = f" for {affiliation}" if affiliation else ""
            _line(appended.indices.start, f"operator enrols {actor} ({role}{acting})")

    def _adopt_the_agreement(self) -> None:
        for signer in story.SIGNERS:
            appended = agreement_service.sign(
                self.store,
                key=self.keys[signer],
                version=1,
                log_key=self.log_key,
                clock=self.clock.tick,
            )
            _line(appended.indices.start, f"{signer} signs version 1")
        version = agreement_service.versions(self.store)[0]
        _require(version.adopted_at is not None, f"version 1 adopted, {version.missing} missing")
        self.adopted_size = self.store.head().size
        output.info(
            f"[green]version 1 adopted[/] at index {version.adopted_at}, digest "
            f"{version.proposal.digest}: every report from now on is checked against it"
        )

    def _allegations(self) -> None:
        self.clock.on(10, 19, 14)
        _chapter("19 October — each side reports what it says the other did, with photos")
        for report in story.ALLEGATIONS:
            self._submit(report)
        for photo in story.PHOTOS:
            if photo.report in self.reports:
                self._add_photo(photo)

    def _custody(self) -> None:
        self.clock.on(10, 20)
        photo = story.PHOTOS[0]
        _chapter(f"20 October — the monitors take {photo.file} into the case file")
        for actor, action, to, note in story.CUSTODY:
            appended = evidence_service.record_custody(
                self.store,
                self.files[photo.file],
                action=action,
                to=to,
                note=note,
                tool=None,
                key=self.keys[actor],
                log_key=self.log_key,
                clock=self.clock.tick,
            )
            _line(appended.indices.start, f"{actor}: {action}" + (f" to {to}" if to else ""))

    def _withdraw_the_duplicate(self) -> None:
        self.clock.on(10, 20, 11)
        _chapter("20 October — a duplicate withdrawn")
        duplicate = self.reports[story.DUPLICATE].report
        appended = report_service.withdraw_report(
            self.store,
            duplicate,
            reason=story.WITHDRAWAL_REASON,
            key=self.keys["af-liaison-1"],
            log_key=self.log_key,
            clock=self.clock.tick,
        )
        _line(
            appended.indices.start,
            f"af-liaison-1 withdraws report {duplicate[:8]}: “{story.WITHDRAWAL_REASON}” "
            "It stays in the log, marked withdrawn.",
        )

    def _observe_torkham(self) -> None:
        self.clock.on(10, 22, 22)
        _chapter("22 October — a monitor's own observation at Torkham")
        self._submit(story.TORKHAM_REPORT)
        output.info("      a source is withheld and the place blurred to 5 km, to protect them")

    def _correct_kurram(self) -> None:
        self.clock.on(10, 24)
        _chapter("24 October — Pakistan corrects its casualty figures")
        original = self.reports["kurram"].report
        corrected = report_service.correct_report(
            self.store,
            original,
            story.KURRAM_CORRECTED,
            reason=story.CORRECTION_REASON,
            key=self.keys["pk-liaison-1"],
            confidential=False,
            log_key=self.log_key,
            clock=self.clock.tick,
        )
        self.reports["kurram-corrected"] = corrected
        _line(
            corrected.appended.indices.start,
            f"pk-liaison-1 corrects report {original[:8]} ({story.CORRECTION_SAYS}): new report "
            f"{corrected.report[:8]}; the original stays in the log, marked corrected",
        )

    def _claims_in_confidence(self) -> None:
        self.clock.on(11, 4)
        _chapter("4 November — Afghanistan reports steps against armed groups, in confidence")
        for report in story.CLAIMS:
            self._submit(report)
        for photo in story.PHOTOS:
            if photo.report in {c.name for c in story.CLAIMS}:
                self._add_photo(photo)
        public = report_service.list_reports(self.store, None)
        mediator = report_service.list_reports(self.store, self._viewer(story.MEDIATOR))
        output.info(
            f"      the log holds only salted commitments: the public sees {len(public)} "
            f"reports, {story.MEDIATOR} sees {len(mediator)}"
        )

    def _disclose_at_istanbul(self) -> None:
        self.clock.on(11, 6)
        _chapter("6 November — at the Istanbul meeting, Afghanistan discloses the hideout report")
        claim = self.reports["hideout"]
        appended = report_service.disclose_report(
            self.store,
            claim.report,
            key=self.keys["af-liaison-1"],
            log_key=self.log_key,
            clock=self.clock.tick,
        )
        sealed_at, disclosed_at = claim.appended.indices.start, appended.indices.start
        _line(disclosed_at, f"af-liaison-1 publishes the salt and content of {claim.report[:8]}")
        # What any reader of the log can do: open the old commitment with what was published.
        original, disclosure = (
            Envelope.from_leaf(next(self.store.entries(i, i + 1))[1])
            for i in (sealed_at, disclosed_at)
        )
        body: Mapping[str, Any] = disclosure.body or {}
        opened = Sealed(base64.b64decode(body["salt"]), dict(body["body"]))
        commitment = original.commitment or ""
        _require(opened.matches(commitment), "the disclosure to open the commitment")
        output.info(
            f"[green]disclosure verified[/]: they hash to {commitment[:23]}…, the commitment the "
            f"log has held since index {sealed_at} — the content is what was sealed on 4 November"
        )

    # --- what the record says ----------------------------------------------------------------

    def _evidence_flags(self) -> None:
        _chapter(
            f"The evidence locker as {story.MEDIATOR} sees it; flags are questions, not verdicts"
        )
        viewer = self._viewer(story.MEDIATOR)
        for name, submitted in self.reports.items():
            for item in evidence_service.evidence_for_report(self.store, viewer, submitted.report):
                output.info(f"  report {name} ({submitted.report[:8]}): {item.name}")
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

    def _proofs(self) -> None:
        _chapter("Checking the record with nothing but the log's verifier key")
        vkey = VerifierKey.from_text(self.store.head().identity.log_vkey)
        output.info("the log's verifier key, which each party pins out of band:")
        output.data(vkey.to_text())
        note = log_service.checkpoint_note(self.store)
        checkpoint, _ = open_checkpoint(note, vkey, origin=story.ORIGIN)
        output.info("[green]checkpoint signature verified[/] with the vkey:")
        output.data(note)
        index = self.reports["kurram"].appended.indices.start
        size, root = checkpoint.size, checkpoint.root_hash
        inclusion = log_service.prove_inclusion(self.store, index, size)
        verify_inclusion(inclusion.leaf_hash, index, size, inclusion.proof, root)
        output.info(
            f"[green]inclusion proof verified[/]: Pakistan's Kurram report at index {index} is in "
            f"the tree of size {size} ({len(inclusion.proof)} hashes):"
        )
        for step in inclusion.proof:
            output.data(f"  {b64(step)}")
        old = self.adopted_size
        consistency = log_service.prove_consistency(self.store, old, size)
        verify_consistency(old, size, consistency.old_root, root, consistency.proof)
        output.info(
            f"[green]consistency proof verified[/]: the tree of size {old} (when the agreement "
            f"was adopted) is a prefix of the tree of size {size} — nothing rewritten"
        )
        for witness in ("witness-pk", "witness-af"):
            witnessing.cosign_latest(self.store, self.keys[witness], self.clock.tick())
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

    def _catch_tampering(self) -> None:
        copy = self.settings.data / "tampered.db"
        index = self.reports["kurram"].appended.indices.start
        with (
            closing(sqlite3.connect(self.settings.data / "ceasefire.db")) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)  # a consistent copy, WAL included
        # The operator quietly edits one report: a single byte of its leaf.
        with closing(sqlite3.connect(copy)) as connection, connection:
            ((leaf,),) = connection.execute("SELECT leaf FROM log_entries WHERE idx = ?", (index,))
            edited = bytes(leaf).replace(b"Kurram", b"Kurrum", 1)
            connection.execute("UPDATE log_entries SET leaf = ? WHERE idx = ?", (edited, index))
        with bootstrap.opened(Settings(data=copy.parent, database_url=f"sqlite:///{copy}")) as db:
            first = verify_store(db).first_problem
        if first is None:
            raise VerificationError("the demo expected verify to catch the changed byte")
        output.info(
            f"[bold]verify on a copy with one byte changed[/] (Kurram → Kurrum at index {index}): "
            f"[red]caught[/] — first bad index {first.index}: {first.where}: {first.message}"
        )

    def _try_next(self) -> None:
        folder = self.settings.data
        report = self.reports["torkham"].report
        photo = self.files[story.PHOTOS[2].file]
        output.info(
            f"\nThe demo store and every actor's key are in {folder} ({folder}/keys/<actor>.key "
            "signs as that actor). Try (ceasefire is .venv/bin/ceasefire outside the venv):"
        )
        for command in (
            f"report list --data {folder}",
            f"report list --data {folder} --as {story.MEDIATOR}",
            f"report show {report} --data {folder}",
            f"report show {report} --data {folder} --as {story.MEDIATOR}",
            f"evidence show {photo} --data {folder} --as {story.MEDIATOR}",
            f"agreement show --data {folder}",
            f"verify --data {folder}",
            f"verify --data {folder} --database-url sqlite:///{folder}/tampered.db",
        ):
            output.info(f"  ceasefire {command}")

    # --- helpers -----------------------------------------------------------------------------

    def _submit(self, report: story.Report) -> None:
        submitted = report_service.submit_report(
            self.store,
            report.body,
            key=self.keys[report.actor],
            confidential=report.confidential,
            log_key=self.log_key,
            clock=self.clock.tick,
        )
        self.reports[report.name] = submitted
        said = f"{story.reported(report)} — report {submitted.report[:8]}"
        _line(submitted.appended.indices.start, said)

    def _add_photo(self, photo: story.Photo) -> None:
        added = evidence_service.add_evidence(
            self.store,
            bootstrap.blob_store(self.settings),
            analyse,
            story.draw(photo, self.photos),
            report=self.reports[photo.report].report,
            name=photo.file,
            key=self.keys[photo.actor],
            limits=bootstrap.evidence_limits(self.settings),
            log_key=self.log_key,
            clock=self.clock.tick,
        )
        self.files[photo.file] = added.sha256
        _line(
            added.appended.indices.start,
            f"{photo.actor} adds {photo.file} ({story.described(added.metadata)}) to report "
            f"{photo.report}: sha256 {added.sha256[:12]}…",
        )

    def _viewer(self, actor: str | None) -> Actor | None:
        return None if actor is None else report_service.viewer_of(self.store, actor)
