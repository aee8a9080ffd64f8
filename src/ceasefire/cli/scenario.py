"""``ceasefire scenario``: a dated story in a YAML file, read here and played through the services.

A scenario file (``scenarios/istanbul-2025.yaml`` is the one ``make demo`` loads)::

    scenario: istanbul-2025            # its name
    title: …
    agreement: istanbul-2025           # a bundled agreement
    origin: ceasefire.demo/pak-afg-2025
    start: 2025-10-19T09:00:00Z        # the log opens, the agreement is proposed, personas enrolled
    personas: [{id: pk-liaison-1, role: liaison, for: pk}, …]
    places: {spin-boldak: {latitude: …, longitude: …, precision: near, place: …}, …}
    steps:
      - {at: 2025-10-19T14:00:00Z, by: pk-liaison-1, do: report, label: kurram, body: {…}}
      - {at: …, by: tr-mediator-1, do: sign_finding, case: chaman-firing}

Each step is done ``by`` a persona ``at`` a UTC time (never earlier than the step before); ``do``
names what (:data:`SPECS` lists every action and its fields, named as in the event it
appends), ``label`` names its result for later steps, which refer to it by that label (``case:
chaman-firing``), never by id. ``chapter`` starts a chapter of the telling; ``says`` is the
step's line in it. In a report's body ``location`` may name a place, ``dates`` may be one day or
``[first, last]``, and a source may give its Admiralty grade as one word (``grade: C3``).

Everything that can be checked before anything is written is checked here, and an error names
the step and the field (``step 12.position``): the shape of every step, its labels, and every
report body against the agreement. What only the record can judge (a case's state, a deadline,
a quorum) the services refuse when the step is played, named the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from ceasefire import bootstrap
from ceasefire.cli import output, scenario_run
from ceasefire.cli.common import DatabaseOption, DataOption, JsonOption, read_document, settings
from ceasefire.domain.agreement_toml import load_bundled
from ceasefire.domain.agreements import Agreement
from ceasefire.domain.fields import Fields, describe
from ceasefire.domain.reports import check_report, parse_report
from ceasefire.errors import CeasefireError, InvalidInput, NotFound
from ceasefire.services.scenario import ACTIONS, Camera, Persona, Photo, Ref, Scenario, Step

app = typer.Typer(
    rich_markup_mode=None,
    help="Scenarios: dated stories of reports, evidence, cases, findings, penalties, meetings.",
    no_args_is_help=True,
)

DEFAULT: Final = Path("scenarios/istanbul-2025.yaml")
REPOSITORY: Final = Path(__file__).resolve().parents[3]
"""The root of a source checkout (``src/ceasefire/cli/`` is three levels below it)."""


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="The scenario file (YAML).")],
    data: DataOption = None,
    database_url: DatabaseOption = None,
    json: JsonOption = False,
) -> None:
    """Open a log in a new store, play a scenario into it, and show the status it ends in."""
    scenario = parse(file)
    config = settings(data, database_url)
    with bootstrap.opened(config, create=True) as store:
        loaded = scenario_run.play(store, config, scenario)
        summary = scenario_run.summarise(store, loaded)
    if json:
        output.json_line(scenario_run.document(summary, loaded.names()))
    else:
        scenario_run.show(summary, loaded.names())


def find(path: Path) -> Path:
    """``path``; a relative one from the current directory, or else from the repository root."""
    places = [path] if path.is_absolute() else [path, REPOSITORY / path]
    for place in places:
        if place.is_file():
            return place
    looked = "" if path.is_absolute() else f": looked in {Path.cwd()} and in {REPOSITORY}"
    raise NotFound(f"no scenario file {path}{looked}; pass --scenario PATH", field="scenario")


# --- reading a scenario file -------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """An action's fields (``name?``: optional) and their kinds; the defaults of optional
    ones; what its label names (None: it makes nothing a later step could refer to)."""

    fields: Mapping[str, str]
    makes: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [name.rstrip("?") for name in self.fields]


_CASE: Final = {"case": "ref:case"}
_CITES: Final = {"evidence?": "refs:evidence", "reports?": "refs:report"}
_PENALTY: Final = {"penalty": "ref:penalty"}
_DECISION: Final = {"meeting": "ident", "decision": "ident"}
_CONCURS: Final = {"concurs": True}

SPECS: Final[Mapping[str, Spec]] = {
    "sign_agreement": Spec({"version?": "int"}),
    "report": Spec({"body": "body", "confidential?": "bool"}, "report"),
    "correct": Spec(
        {"report": "ref:report", "changes": "object", "reason": "text", "confidential?": "bool"},
        "report",
    ),
    "withdraw": Spec({"report": "ref:report", "reason": "text"}),
    "disclose": Spec({"report": "ref:report"}),
    "evidence": Spec({"photo": "photo", "report?": "ref:report"}, "evidence"),
    "custody": Spec({"evidence": "ref:evidence", "action": "text", "to?": "text", "note?": "text"}),
    "open_case": Spec({"reports": "refs:report", "title?": "text"}, "case"),
    "assign": Spec({**_CASE, "monitor": "text"}),
    "request_information": Spec(
        {**_CASE, "of": "text", "question": "text", "due": "moment"}, "request"
    ),
    "provide_information": Spec({**_CASE, "request": "ref:request", "text": "text", **_CITES}),
    "request_reply": Spec(_CASE),
    "reply": Spec({**_CASE, "position": "text", "text": "text", **_CITES}),
    "close_case": Spec({**_CASE, "reason": "text"}),
    "reopen_case": Spec({**_CASE, "reason": "text", **_CITES}),
    "propose_finding": Spec(
        {
            **_CASE,
            "confidence": "text",
            "attribution": "text",
            "party?": "text",
            "acts?": "texts",
            "clauses?": "texts",
            **_CITES,
            "reasons": "text",
            "dissent?": "text",
        },
        "finding",
    ),
    "sign_finding": Spec({**_CASE, "concurs?": "bool", "note?": "text"}, defaults=_CONCURS),
    "issue_finding": Spec(_CASE),
    "propose_penalty": Spec(
        {"party": "text", "level": "int", "reasons": "text", "cases?": "refs:case"}, "penalty"
    ),
    "sign_penalty": Spec({**_PENALTY, "concurs?": "bool", "note?": "text"}, defaults=_CONCURS),
    "notify_penalty": Spec({**_PENALTY, "note": "text"}),
    "execute_penalty": Spec({**_PENALTY, "note": "text"}),
    "appeal_penalty": Spec({**_PENALTY, "grounds": "text"}),
    "decide_appeal": Spec({**_PENALTY, "outcome": "text", "reasons": "text"}),
    "schedule_meeting": Spec(
        {"meeting": "ident", "date": "date", "place": "text", "purpose": "text"}
    ),
    "attend_meeting": Spec({"meeting": "ident", "present": "texts", "note?": "text"}),
    "propose_decision": Spec({**_DECISION, "text": "text", "kind": "text", "effect?": "object"}),
    "sign_decision": Spec(_DECISION),
    "record_decision": Spec(_DECISION),
}
"""Every action a step may ``do``, with its fields."""

_STEP_FIELDS: Final = ("at", "by", "do", "label", "chapter", "says")


def parse(path: Path) -> Scenario:
    """The scenario in ``path`` (found by :func:`find`), checked throughout; InvalidInput
    naming the step and the field."""
    path = find(path)
    document = read_document(path)
    try:
        return _Reader().read(document)
    except InvalidInput as exc:
        raise InvalidInput(f"{exc.message} (in {path})", field=exc.field) from None


class _Reader:
    def __init__(self) -> None:
        self.agreement: Agreement | None = None
        self.places: Mapping[str, Any] = {}
        self.personas: dict[str, Persona] = {}
        self.labels: dict[str, str] = {}  # label -> what it names: report, case, …

    def read(self, document: Mapping[str, Any]) -> Scenario:
        f = Fields(document)
        name, title = f.ident("scenario"), f.text("title", max_length=300)
        self.agreement = _agreement(f)
        origin, start = f.text("origin", max_length=200), _moment(f, "start")
        personas = f.items("personas", _persona, empty=False, max_items=200)
        self.personas = {p.id: p for p in personas}
        self.places = f.optional("places", lambda n: _mapping(f, n)) or {}
        raw = f.array("steps", empty=False, max_items=10_000)
        f.done()
        steps: list[Step] = []
        for number, value in enumerate(raw, 1):
            step = self._step(Fields(value, f"step {number}"), number)
            if steps and step.at < steps[-1].at:
                raise InvalidInput(
                    f"expected a time no earlier than step {number - 1}'s "
                    f"({_time(steps[-1].at)}), found {_time(step.at)}",
                    field=f"step {number}.at",
                )
            steps.append(step)
        return Scenario(name, title, origin, start, self.agreement, personas, tuple(steps))

    def _step(self, f: Fields, number: int) -> Step:
        at, by, do = _moment(f, "at"), f.ident("by"), f.text("do", max_length=40)
        if by not in self.personas:
            raise InvalidInput(
                f"{by!r} is not one of the scenario's personas ({', '.join(self.personas)})",
                field=f.where("by"),
            )
        spec = SPECS.get(do)
        if spec is None:
            raise InvalidInput(
                f"unknown action {do!r}; the actions are {', '.join(sorted(SPECS))}",
                field=f.where("do"),
            )
        label = f.optional("label", f.ident)
        chapter = f.optional("chapter", lambda n: f.text(n, max_length=200))
        says = f.optional("says", lambda n: f.text(n, max_length=300))
        values = {**spec.defaults}
        for key, kind in spec.fields.items():
            name = key.rstrip("?")
            if not key.endswith("?") or f.has(name):
                values[name] = self._value(f, name, kind, by)
        try:
            f.done()
        except InvalidInput as exc:
            expected = ", ".join([*_STEP_FIELDS, *spec.names()])
            raise InvalidInput(f"{exc.message}; {do} takes {expected}", field=exc.field) from None
        self._label(f, label, spec, do)
        return Step(number, at, by, do, values, label, chapter, says)

    def _label(self, f: Fields, label: str | None, spec: Spec, do: str) -> None:
        if label is None:
            return
        if spec.makes is None:
            raise InvalidInput(
                f"{do} makes nothing a later step could refer to", field=f.where("label")
            )
        if label in self.labels:
            raise InvalidInput(f"label {label!r} is used twice", field=f.where("label"))
        self.labels[label] = spec.makes

    def _value(self, f: Fields, name: str, kind: str, by: str) -> Any:
        f.raw(name)  # a list given as no list at all is missing, not empty
        if kind.startswith("ref:"):
            return self._known(f.ident(name), kind[4:], f.where(name))
        if kind.startswith("refs:"):
            labels = f.texts(name, ident=True, max_items=100)
            where = f.where(name)
            return [self._known(x, kind[5:], f"{where}[{i}]") for i, x in enumerate(labels)]
        match kind:
            case "text":
                return f.text(name, max_length=4000)
            case "ident":
                return f.ident(name)
            case "texts":
                return list(f.texts(name, max_items=100))
            case "bool":
                return f.flag(name)
            case "int":
                return f.integer(name)
            case "object":
                return dict(_mapping(f, name))
            case "date":
                return _day(f, name).isoformat()
            case "moment":
                return _time(_moment(f, name))
            case "body":
                return self._body(f, name, by)
            case "photo":
                return self._photo(f.object(name))
        raise AssertionError(f"unknown field kind {kind}")

    def _known(self, label: str, kind: str, where: str) -> Ref:
        found = self.labels.get(label)
        if found is None:
            raise InvalidInput(f"no earlier step is labelled {label!r}", field=where)
        if found != kind:
            raise InvalidInput(f"{label!r} names a {found}, not a {kind}", field=where)
        return Ref(label)

    def _body(self, f: Fields, name: str, by: str) -> dict[str, Any]:
        """A report body, its shorthands expanded, parsed and checked against the agreement."""
        body, where = dict(_mapping(f, name)), f.where(name)
        if isinstance(body.get("location"), str):
            place = self.places.get(body["location"])
            if not isinstance(place, Mapping):
                raise InvalidInput(
                    f"no place {body['location']!r} among the scenario's places",
                    field=f"{where}.location",
                )
            body["location"] = dict(place)
        if isinstance(body.get("dates"), str | list):
            body["dates"] = _days(body["dates"], f"{where}.dates")
        if isinstance(body.get("sources"), list):
            body["sources"] = [
                _graded(s, f"{where}.sources[{i}]") for i, s in enumerate(body["sources"])
            ]
        assert self.agreement is not None
        affiliation = self.personas[by].affiliation
        party = affiliation if affiliation in {p.id for p in self.agreement.parties} else None
        try:
            check_report(parse_report(body, where), self.agreement, submitter_party=party)
        except CeasefireError as exc:
            at = exc.field or ""
            field_ = at if at.startswith(where) else f"{where}.{at}".rstrip(".")
            raise InvalidInput(exc.message, field=field_) from None
        return body

    def _photo(self, g: Fields) -> Photo:
        copy_of = g.optional("copy_of", g.ident)
        if copy_of is not None and self.labels.get(copy_of) != "evidence":
            raise InvalidInput(
                f"no earlier evidence step is labelled {copy_of!r}", field=g.where("copy_of")
            )
        photo = Photo(
            file=g.text("file", max_length=200),
            seed=g.optional("seed", lambda n: g.integer(n, minimum=0)),
            camera=g.optional("camera", lambda n: _camera(g.object(n))),
            copy_of=copy_of,
        )
        g.done()
        if (photo.seed is None) == (photo.copy_of is None):
            raise InvalidInput("give either a seed (a new photo) or copy_of", field=g.path)
        return photo


# --- small readers ---------------------------------------------------------------------------


def _agreement(f: Fields) -> Agreement:
    name = f.ident("agreement")
    try:
        return load_bundled(name)
    except NotFound as exc:
        raise InvalidInput(exc.message, field=f.where("agreement")) from None


def _persona(f: Fields) -> Persona:
    persona = Persona(f.ident("id"), f.ident("role"), f.optional("for", f.ident))
    f.done()
    return persona


def _camera(f: Fields) -> Camera:
    camera = Camera(
        make=f.optional("make", f.text),
        model=f.optional("model", f.text),
        taken=f.optional("taken", lambda n: _local(f, n)),
        latitude=f.optional("latitude", lambda n: f.number(n, minimum=-90, maximum=90)),
        longitude=f.optional("longitude", lambda n: f.number(n, minimum=-180, maximum=180)),
    )
    f.done()
    return camera


def _mapping(f: Fields, name: str) -> Mapping[str, Any]:
    value = f.raw(name)
    if not isinstance(value, Mapping):
        raise InvalidInput(f"expected an object, found {describe(value)}", field=f.where(name))
    return value


def _parse_time(f: Fields, name: str) -> datetime:
    """A time as YAML gives it (``2025-10-19T09:00:00Z``, read back as text by the loader)."""
    text = f.text(name, max_length=40)
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(
            f"expected a time such as 2025-10-19T09:00:00Z, found {text!r}", field=f.where(name)
        ) from None


def _moment(f: Fields, name: str) -> datetime:
    """A UTC time; a time with another offset is converted, one without is refused."""
    moment = _parse_time(f, name)
    if moment.tzinfo is None:
        raise InvalidInput(
            "expected a time with its zone (…Z for UTC), found none", field=f.where(name)
        )
    return moment.astimezone(UTC)


def _local(f: Fields, name: str) -> datetime:
    """A phone's clock: local time, with its offset if it wrote one."""
    return _parse_time(f, name)


def _day(f: Fields, name: str) -> date:
    text = f.text(name, max_length=10)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"expected a date YYYY-MM-DD, found {text!r}", field=f.where(name)
        ) from None


def _days(value: str | list[Any], where: str) -> dict[str, Any]:
    """``2025-10-15`` or ``[2025-10-11, 2025-10-12]`` as a report's dates, to the day."""
    days = [value] if isinstance(value, str) else value
    if not 1 <= len(days) <= 2 or not all(isinstance(d, str) for d in days):
        raise InvalidInput(
            f"expected a day or [first day, last day], found {describe(value)}", field=where
        )
    return {"start": days[0], "end": days[-1], "precision": "day"}


def _graded(source: Any, where: str) -> Any:
    """A source whose ``grade`` (``C3``) stands for its reliability and credibility."""
    if not isinstance(source, Mapping) or "grade" not in source:
        return source
    grade = source["grade"]
    if not isinstance(grade, str) or not re.fullmatch(r"[A-F][1-6]", grade):
        raise InvalidInput(
            f"expected an Admiralty grade such as C3 (A-F, 1-6), found {describe(grade)}",
            field=f"{where}.grade",
        )
    rest = {k: v for k, v in source.items() if k != "grade"}
    return {**rest, "reliability": grade[0], "credibility": int(grade[1])}


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


assert set(SPECS) == ACTIONS, "the reader and the player must know the same actions"
