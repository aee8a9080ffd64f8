"""Each action a scenario's step may do, as the call a person doing it would make.

:class:`Player` holds what a run knows so far (the keys, what each label names, the clock) and
plays one step at a time through the services: reports, evidence, agreements, casework. A
step the record refuses raises the service's error, named after the step
(``step 12.position: … (step 12: reply by af-liaison-1 at …)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ceasefire.domain import casework_events as ce
from ceasefire.domain.evidence import MediaMetadata
from ceasefire.errors import CeasefireError, NotFound
from ceasefire.log.keys import SigningKey
from ceasefire.services import agreements as agreement_service
from ceasefire.services import casework
from ceasefire.services import evidence as evidence_service
from ceasefire.services import keys as key_service
from ceasefire.services import log as log_service
from ceasefire.services import reports as report_service
from ceasefire.services.log import Appended
from ceasefire.services.ports import Store
from ceasefire.services.scenario_model import (
    OPERATOR,
    Done,
    Listener,
    Loaded,
    Photo,
    Ref,
    Scenario,
    Step,
    Tools,
)


class Clock:
    """The scenario's clock: a step starts at its time, each event a second after the last."""

    def __init__(self, start: datetime) -> None:
        self.now = start - timedelta(seconds=1)

    def at(self, moment: datetime) -> None:
        self.now = max(self.now, moment - timedelta(seconds=1))

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Player:
    """One run of a scenario: opens the log, then plays its steps one by one."""

    def __init__(self, store: Store, scenario: Scenario, tools: Tools, listen: Listener) -> None:
        self.store, self.scenario, self.tools, self.listen = store, scenario, tools, listen
        self.clock = Clock(scenario.start)
        self.loaded = Loaded(SigningKey.generate(scenario.origin), SigningKey.generate(OPERATOR))
        self.personas = {p.id: p for p in scenario.personas}
        self.bodies: dict[str, Mapping[str, Any]] = {}  # report label -> its body
        self.photos: dict[str, Photo] = {}  # evidence label -> its photo

    # -- opening the log ---------------------------------------------------------------------

    def open(self) -> None:
        scenario, loaded, tick = self.scenario, self.loaded, self.clock.tick
        opened = log_service.initialise(
            self.store, scenario.origin, loaded.log_key, loaded.operator_key, tick()
        )
        self._opened("open_log", opened, scenario.origin)
        proposed = agreement_service.propose(
            self.store,
            scenario.agreement,
            key=loaded.operator_key,
            log_key=loaded.log_key,
            clock=tick,
        )
        self._opened("propose_agreement", proposed, scenario.agreement.id)
        for persona in scenario.personas:
            loaded.keys[persona.id] = key = SigningKey.generate(persona.id)
            enrolled = key_service.enrol(
                self.store,
                actor=persona.id,
                public_key=key.public_key,
                role=persona.role,
                affiliation=persona.affiliation,
                operator_key=loaded.operator_key,
                log_key=loaded.log_key,
                clock=tick,
            )
            self._opened("enrol", enrolled, persona.id)

    def _opened(self, do: str, appended: Appended, ref: str) -> None:
        self.listen(Done(0, self.clock.now, OPERATOR, do, appended.indices, ref=ref))

    # -- the steps ---------------------------------------------------------------------------

    def play(self, step: Step) -> None:
        if step.by not in self.personas:
            raise NotFound(
                f"step {step.number}: {step.by!r} is not a persona of the scenario",
                field=f"step {step.number}.by",
            )
        self.clock.at(step.at)
        size = self.store.head().size
        try:
            ref, metadata = _ACTIONS[step.do](self, step)
        except CeasefireError as exc:
            raise _at_step(exc, step) from exc
        if step.label is not None and ref is not None:
            self.loaded.labels[step.label] = ref
        adopting = step.do == "sign_agreement" and not self.loaded.adopted_size
        if adopting and agreement_service.in_force_now(self.store) is not None:
            self.loaded.adopted_size = self.store.head().size
        indices = range(size, self.store.head().size)
        self.listen(
            Done(step.number, step.at, step.by, step.do, indices, step.label, ref, metadata, step)
        )

    def key(self, step: Step) -> SigningKey:
        return self.loaded.keys[step.by]

    def signer(self, step: Step) -> casework.Signer:
        return casework.Signer(self.key(step), self.loaded.log_key, self.clock.tick)

    def resolve(self, value: Any) -> Any:
        """``value`` with every :class:`Ref` replaced by the id its label names."""
        if isinstance(value, Ref):
            try:
                return self.loaded.labels[value.label]
            except KeyError:
                raise NotFound(f"no earlier step is labelled {value.label!r}") from None
        if isinstance(value, list | tuple):
            return [self.resolve(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def fields(self, step: Step) -> dict[str, Any]:
        resolved: dict[str, Any] = self.resolve(step.fields)
        return resolved


_Result = tuple[str | None, MediaMetadata | None]


# --- the record: agreement, reports, evidence -------------------------------------------------


def _sign_agreement(p: Player, step: Step) -> _Result:
    version = step.fields.get("version")
    agreement_service.sign(
        p.store, key=p.key(step), version=version, log_key=p.loaded.log_key, clock=p.clock.tick
    )
    return None, None


def _report(p: Player, step: Step) -> _Result:
    body = p.fields(step)["body"]
    submitted = report_service.submit_report(
        p.store,
        body,
        key=p.key(step),
        confidential=bool(step.fields.get("confidential", False)),
        log_key=p.loaded.log_key,
        clock=p.clock.tick,
    )
    if step.label is not None:
        p.bodies[step.label] = body
    return submitted.report, None


def _correct(p: Player, step: Step) -> _Result:
    """A correction: the report's body with the fields in ``changes`` replaced."""
    original = step.fields["report"]
    assert isinstance(original, Ref)
    body = {**p.bodies[original.label], **p.fields(step)["changes"]}
    corrected = report_service.correct_report(
        p.store,
        p.resolve(original),
        body,
        reason=step.fields["reason"],
        key=p.key(step),
        confidential=bool(step.fields.get("confidential", False)),
        log_key=p.loaded.log_key,
        clock=p.clock.tick,
    )
    if step.label is not None:
        p.bodies[step.label] = body
    return corrected.report, None


def _withdraw(p: Player, step: Step) -> _Result:
    fields = p.fields(step)
    report_service.withdraw_report(
        p.store,
        fields["report"],
        reason=fields["reason"],
        key=p.key(step),
        log_key=p.loaded.log_key,
        clock=p.clock.tick,
    )
    return fields["report"], None


def _disclose(p: Player, step: Step) -> _Result:
    report = p.fields(step)["report"]
    report_service.disclose_report(
        p.store, report, key=p.key(step), log_key=p.loaded.log_key, clock=p.clock.tick
    )
    return report, None


def _evidence(p: Player, step: Step) -> _Result:
    photo = step.fields["photo"]
    assert isinstance(photo, Photo)
    original = p.photos[photo.copy_of] if photo.copy_of is not None else None
    added = evidence_service.add_evidence(
        p.store,
        p.tools.blobs,
        p.tools.analyse,
        p.tools.draw(photo, original),
        report=p.resolve(step.fields.get("report")),
        name=photo.file,
        key=p.key(step),
        limits=p.tools.limits,
        log_key=p.loaded.log_key,
        clock=p.clock.tick,
    )
    if step.label is not None:
        p.photos[step.label] = photo
    return added.sha256, added.metadata


def _custody(p: Player, step: Step) -> _Result:
    fields = p.fields(step)
    evidence_service.record_custody(
        p.store,
        fields["evidence"],
        action=fields["action"],
        to=fields.get("to"),
        note=fields.get("note"),
        tool=None,
        key=p.key(step),
        log_key=p.loaded.log_key,
        clock=p.clock.tick,
    )
    return fields["evidence"], None


# --- casework ----------------------------------------------------------------------------------


def _open_case(p: Player, step: Step) -> _Result:
    fields = p.fields(step)
    opened = casework.open_case(
        p.store, p.signer(step), fields["reports"], title=fields.get("title")
    )
    return opened.id, None


def _request_reply(p: Player, step: Step) -> _Result:
    return casework.request_reply(p.store, p.signer(step), p.fields(step)["case"]).id, None


def _on_finding(event_type: str) -> Callable[[Player, Step], _Result]:
    """Sign or issue the finding a case has on the table (a scenario cannot know its id)."""

    def act(p: Player, step: Step) -> _Result:
        fields = p.fields(step)
        body = {**fields, "finding": casework.current_finding(p.store, fields["case"])}
        return casework.record(p.store, p.signer(step), event_type, body).id, None

    return act


def _schedule_meeting(p: Player, step: Step) -> _Result:
    fields = p.fields(step)
    scheduled = casework.schedule_meeting(
        p.store,
        p.signer(step),
        fields["meeting"],
        date=fields["date"],
        place=fields["place"],
        purpose=fields["purpose"],
    )
    return scheduled.id, None


def _propose_decision(p: Player, step: Step) -> _Result:
    """An amending decision names the version; the service adds the digest the log holds."""
    return casework.propose_decision(p.store, p.signer(step), p.fields(step)).id, None


def _sign_decision(p: Player, step: Step) -> _Result:
    """A persona signs a decision for the party or mediator it acts for."""
    fields = p.fields(step)
    signer = p.signer(step)
    return casework.sign_decision(p.store, signer, fields["meeting"], fields["decision"]).id, None


def _recorded(event_type: str) -> Callable[[Player, Step], _Result]:
    """A casework event whose body is the step's fields, labels resolved."""

    def act(p: Player, step: Step) -> _Result:
        return casework.record(p.store, p.signer(step), event_type, p.fields(step)).id, None

    return act


_ACTIONS: Mapping[str, Callable[[Player, Step], _Result]] = {
    "sign_agreement": _sign_agreement,
    "report": _report,
    "correct": _correct,
    "withdraw": _withdraw,
    "disclose": _disclose,
    "evidence": _evidence,
    "custody": _custody,
    "open_case": _open_case,
    "assign": _recorded(ce.CASE_ASSIGNED),
    "request_information": _recorded(ce.INFORMATION_REQUESTED),
    "provide_information": _recorded(ce.INFORMATION_PROVIDED),
    "request_reply": _request_reply,
    "reply": _recorded(ce.CASE_REPLIED),
    "close_case": _recorded(ce.CASE_CLOSED),
    "reopen_case": _recorded(ce.CASE_REOPENED),
    "propose_finding": _recorded(ce.FINDING_PROPOSED),
    "sign_finding": _on_finding(ce.FINDING_SIGNED),
    "issue_finding": _on_finding(ce.FINDING_ISSUED),
    "propose_penalty": _recorded(ce.PENALTY_PROPOSED),
    "sign_penalty": _recorded(ce.PENALTY_SIGNED),
    "notify_penalty": _recorded(ce.PENALTY_NOTIFIED),
    "execute_penalty": _recorded(ce.PENALTY_EXECUTED),
    "appeal_penalty": _recorded(ce.PENALTY_APPEALED),
    "decide_appeal": _recorded(ce.APPEAL_DECIDED),
    "schedule_meeting": _schedule_meeting,
    "attend_meeting": _recorded(ce.MEETING_ATTENDED),
    "propose_decision": _propose_decision,
    "sign_decision": _sign_decision,
    "record_decision": _recorded(ce.DECISION_RECORDED),
}
"""What each ``do`` of a step calls."""

ACTIONS = frozenset(_ACTIONS)


def _at_step(exc: CeasefireError, step: Step) -> CeasefireError:
    """``exc`` as the step's error: the step named in the message, the field in the step's
    (a casework event's body fields are the step's own; a report's are under its body)."""
    where = (exc.field or "").removeprefix("body.")
    if where and step.do == "report":
        where = f"body.{where}"
    field_ = f"step {step.number}.{where}" if where else f"step {step.number}"
    message = f"{exc.message} (step {step.number}: {step.do} by {step.by} at {_time(step.at)})"
    if type(exc).__init__ is not CeasefireError.__init__:
        return exc  # an error with fields of its own (tampering) is passed on as it is
    return type(exc)(message, field=field_)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
