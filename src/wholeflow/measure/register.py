"""The measures register: one YAML file per measure in a workspace's ``measures/`` folder.

A measure says what is counted and why, where its numbers come from, which way is better, the
target, and the PDSA cycles testing changes to it::

    # measures/darley_court_los.yaml  (the measure's id is the file name: darley_court_los)
    name: Darley Court length of stay
    definition: Mean length of stay (days) of people leaving Darley Court each week
    source:
      query: weekly_mean_length_of_stay     # or  csv: data/los.csv  or  sql: SELECT ...
      service: darley_court
    unit: days
    improvement_direction: decrease
    target: 26
    chart: xmr
    pdsa:
      - id: 1
        title: Trusted assessment
        change: Accept the acute ward's assessment instead of re-assessing
        start: 2018-01-08
        owner: Flow lead
        status: completed
        rebase: 2018-03-05                 # new limits from here, after the shift showed

``rebase`` is ``false`` (the default), a date on or after the cycle's start, or ``true`` for
the start itself. Making Data Count advises rebasing only once the chart shows the change as a
signal (a shift, a trend, points outside the limits): a rebase at the very start of the change
gives the new points their own limits straight away and hides the signal, so
:func:`~wholeflow.measure.sources.measure_spc` warns when no special cause shows between the
cycle's start and its rebase. Nothing is ever rebased automatically.

Every problem in every file is reported at once, as a
:class:`~wholeflow.measure.errors.MeasureFileError` (a :class:`~wholeflow.errors.ModelError`)
whose problems name the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wholeflow.errors import Problem
from wholeflow.measure.errors import MeasureError, MeasureFileError
from wholeflow.model.yaml_lines import SourceMap, load_yaml

QueryName = Literal["weekly_mean_length_of_stay", "ready_date_set_percent",
                   "weekly_delayed_days"]
#: Built-in queries on the event store, each for one service.
BUILT_IN_QUERIES: tuple[str, ...] = get_args(QueryName)
MEASURES_FOLDER = "measures"

ChartName = Literal["xmr", "run", "p", "pprime", "u", "uprime", "c"]
Text = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, (int, float)) else v)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """Where a measure's numbers come from: exactly one of ``csv``, ``sql`` or ``query``."""

    csv: str | None = Field(None, description="CSV file, relative to the workspace folder")
    sql: str | None = Field(
        None, description="SQL on the event store returning date, value[, denominator]")
    query: QueryName | None = Field(
        None, description="a built-in query: " + ", ".join(BUILT_IN_QUERIES))
    service: str | None = Field(None, description="the service a built-in query is about")
    date_column: str = Field("date", description="CSV column holding the period")
    value_column: str = Field("value", description="CSV column holding the value (numerator)")
    denominator_column: str | None = Field(None, description="CSV column holding denominators")

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        kinds = [k for k in ("csv", "sql", "query") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "give exactly one of csv, sql or query"
                + (f" (found {', '.join(kinds)})" if kinds else "")
            )
        if self.query is not None and not self.service:
            raise ValueError(f"the built-in query {self.query} needs a service")
        return self


class PdsaCycle(_Strict):
    """A Plan-Do-Study-Act cycle testing a change; drawn on the chart at its start date."""

    id: Text = Field(description="short identifier, unique within the measure")
    title: str = Field(description="what the cycle is called")
    change: str | None = Field(None, description="the change being tested")
    start: dt.date = Field(description="when the test started (YYYY-MM-DD)")
    owner: str | None = Field(None, description="who leads it")
    status: Literal["planned", "running", "completed", "adopted", "adapted", "abandoned"] = (
        Field("planned", description="planned, running, completed, adopted, adapted, abandoned"))
    rebase: bool | dt.date = Field(
        False, description="start new limits at this date (on or after the start, once the "
                           "chart shows the change as a signal); true: at the start itself")

    @field_validator("rebase")
    @classmethod
    def _rebase_after_start(cls, rebase: bool | dt.date, info: ValidationInfo
                            ) -> bool | dt.date:
        start = info.data.get("start")  # absent when the start itself was invalid
        if isinstance(rebase, dt.date) and start is not None and rebase < start:
            raise ValueError(
                f"rebase {rebase.isoformat()} is before the cycle's start {start.isoformat()}: "
                "rebase on or after the start, once the chart shows the change as a signal"
            )
        return rebase

    @property
    def rebase_date(self) -> dt.date | None:
        """Where this cycle starts new limits: the rebase date, the start, or None."""
        if self.rebase is True:
            return self.start
        return self.rebase or None


class Measure(_Strict):
    """One measure of the register (see the module docstring for an example)."""

    name: str = Field(description="display name")
    definition: str = Field(description="exactly what is counted or measured, and over what")
    source: Source
    unit: str | None = Field(None, description="unit shown on the chart, e.g. days or %")
    improvement_direction: Literal["increase", "decrease", "neutral"] = Field(
        description="which way is better: increase, decrease or neutral")
    target: float | None = Field(None, description="target in the chart's units")
    chart: ChartName = Field("xmr", description="xmr, run, p, pprime, u, uprime or c")
    multiply: float | None = Field(
        None, gt=0, description="scale for display (default: 100 for p charts in %, else 1)")
    baseline: int | None = Field(None, ge=12, description="fix limits on the first n points")
    screen_moving_ranges: bool = Field(True, description="XmR: screen large moving ranges")
    pdsa: list[PdsaCycle] = Field(default_factory=list, description="PDSA cycles")
    _id: str = PrivateAttr("")
    _file: str = PrivateAttr("")

    @model_validator(mode="after")
    def _unique_cycles(self) -> Measure:
        seen: set[str] = set()
        for cycle in self.pdsa:
            if cycle.id in seen:
                raise ValueError(f"PDSA cycle id {cycle.id!r} is used twice")
            seen.add(cycle.id)
        return self

    @property
    def id(self) -> str:
        """The measure's id: its file name without ``.yaml``."""
        return self._id

    @property
    def file(self) -> str:
        """The file the measure was read from."""
        return self._file

    @property
    def display_multiplier(self) -> float:
        """``multiply`` if given, else 100 for p and p′ charts in %, else 1."""
        if self.multiply is not None:
            return self.multiply
        percent = (self.unit or "").strip().lower() in ("%", "percent", "per cent")
        return 100.0 if percent and self.chart in ("p", "pprime") else 1.0

    @property
    def rebase_dates(self) -> list[dt.date]:
        """Where the PDSA cycles start new limits (their ``rebase`` dates), in cycle order."""
        return [d for d in (cycle.rebase_date for cycle in self.pdsa) if d is not None]


def load_measures(workspace: str | Path) -> dict[str, Measure]:
    """Read every ``measures/*.yaml`` of ``workspace``; keys are measure ids (file names).

    Raises:
        MeasureFileError: listing every problem in every file, with file, line and field.
    """
    folder = Path(workspace) / MEASURES_FOLDER
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    measures: dict[str, Measure] = {}
    problems: list[Problem] = []
    for file in files:
        measure, found = _load_file(file)
        problems += found
        if measure is not None:
            measures[measure.id] = measure
    if problems:
        raise MeasureFileError(problems)
    return measures


def load_measure_file(path: str | Path) -> Measure:
    """Read one measure file (its id is the file name without the extension)."""
    measure, problems = _load_file(Path(path))
    if problems or measure is None:
        raise MeasureFileError(problems)
    return measure


def find_measure(workspace: str | Path, key: str) -> Measure:
    """The measure whose id or name is ``key`` (case-insensitive)."""
    measures = load_measures(workspace)
    wanted = key.strip().lower()
    for measure in measures.values():
        if wanted in (measure.id.lower(), measure.name.strip().lower()):
            return measure
    known = ", ".join(sorted(measures)) or "none"
    raise MeasureError(
        f"no measure {key!r} in {Path(workspace) / MEASURES_FOLDER} (measures: {known}); "
        "give a CSV file or the id of a measure (its file name without .yaml)"
    )


def _load_file(file: Path) -> tuple[Measure | None, list[Problem]]:
    try:
        loaded = load_yaml(file.read_text(encoding="utf-8"), str(file))
    except OSError as err:
        return None, [Problem("", f"cannot read the file: {err.strerror}", str(file))]
    if loaded.problems:  # YAML syntax, duplicate keys
        return None, loaded.problems
    data, lines = loaded.data, loaded.source
    if not isinstance(data, dict):
        return None, [Problem("", "a measure file must be a mapping of fields (name, definition,"
                              " source, ...)", str(file), 1)]
    try:
        measure = Measure.model_validate(data)
    except ValidationError as err:
        return None, [_problem(e, file, lines) for e in err.errors()]
    measure._id = file.stem
    measure._file = str(file)
    return measure, []


def _problem(error: Any, file: Path, lines: SourceMap) -> Problem:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    fix = None
    if kind == "extra_forbidden":
        message = "unknown field"
        fix = "check the spelling; see docs/guides/measure.md for the fields"
    elif kind == "missing":
        message = "is required"
    elif kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        fix = "write dates as YYYY-MM-DD"
    return Problem(path, message, str(file), lines.line(loc), fix)
