"""The reproducibility appendix: the STRESS-DES checklist, filled in from what the tool knows.

STRESS-DES (Monks et al. 2019, "Strengthening the reporting of empirical simulation studies:
introducing the STRESS guidelines", Journal of Simulation 13(1)) lists what a report of a
discrete-event simulation study must state so that others can understand and repeat it:
objectives (1.x), logic (2.x), data (3.x), experimentation (4.x), implementation (5.x) and code
access (6.1). :func:`stress_items` fills each item from the model, its file's comments, the
workspace's data and runs, and this machine; what only the team can say (the purpose of the
study, why its assumptions hold) is marked :data:`TEAM`. Every item appears, in the paper's
order and numbering, so a missing answer is visible rather than silently left out.

:func:`stress_markdown` writes the appendix as Markdown (``wholeflow stress``);
:func:`stress_section` is the same appendix as the HTML report's last section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from wholeflow.report import stress_facts as facts
from wholeflow.report.stress_text import (
    ENGINE_ALGORITHMS,
    EVENT_ORDER,
    QUEUE_RULES,
    entities_text,
    logic_text,
)

if TYPE_CHECKING:
    from wholeflow.model.schema import Model
    from wholeflow.report.document import Section

#: The words that mark an item only the team can fill.
TEAM = "To be written by the team"

#: The STRESS-DES items (number, name) in the paper's order.
ITEMS: list[tuple[str, str]] = [
    ("1.1", "Purpose of the model"),
    ("1.2", "Model outputs"),
    ("1.3", "Experimentation aims"),
    ("2.1", "Base model overview diagram"),
    ("2.2", "Base model logic"),
    ("2.3", "Scenario logic"),
    ("2.4", "Algorithms"),
    ("2.5.1", "Components: entities"),
    ("2.5.2", "Components: activities"),
    ("2.5.3", "Components: resources"),
    ("2.5.4", "Components: queues"),
    ("2.5.5", "Components: entry and exit points"),
    ("3.1", "Data sources"),
    ("3.2", "Pre-processing"),
    ("3.3", "Input parameters"),
    ("3.4", "Assumptions"),
    ("4.1", "Initialisation"),
    ("4.2", "Run length"),
    ("4.3", "Estimation approach"),
    ("5.1", "Software or programming language"),
    ("5.2", "Random sampling"),
    ("5.3", "Model execution"),
    ("5.4", "System specification"),
    ("6.1", "Computer model sharing statement"),
]
SECTIONS = {"1": "Objectives", "2": "Logic", "3": "Data", "4": "Experimentation",
            "5": "Implementation", "6": "Code access"}


@dataclass
class RunFacts:
    """What is known of the run the results came from (each part may be unknown)."""

    replications: int | None = None
    seed: int | None = None
    seconds: float | None = None
    where: str = ""  # e.g. "stored run 3fa2…", "timed by wholeflow stress"


@dataclass
class Item:
    """One STRESS-DES item: its text, and tables or code blocks that back it up."""

    number: str
    name: str
    text: list[str]
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    code: list[tuple[str, str, str]] = field(default_factory=list)  # (caption, language, text)

    @property
    def needs_team(self) -> bool:
        return any(TEAM.lower() in t.lower() for t in self.text)


def stress_items(model: Model, run: RunFacts | None = None) -> list[Item]:
    """Every STRESS-DES item for ``model`` (a baseline with its scenarios), in order."""
    run = run or RunFacts()
    notes = facts.parameter_notes(model)
    build: dict[str, Callable[[], Item | list[str]]] = {
        "1.1": lambda: _purpose(model), "1.2": _outputs, "1.3": lambda: _aims(model),
        "2.1": lambda: _diagram(model), "2.2": lambda: [logic_text(model)],
        "2.3": lambda: _scenario_logic(model), "2.4": lambda: ENGINE_ALGORITHMS,
        "2.5.1": lambda: entities_text(model), "2.5.2": lambda: _activities(model),
        "2.5.3": lambda: _resources(model), "2.5.4": lambda: _queues(model),
        "2.5.5": lambda: _entry_exit(model), "3.1": lambda: _data_sources(model, notes),
        "3.2": lambda: _pre_processing(model), "3.3": lambda: _parameters(model, notes),
        "3.4": lambda: _assumptions(notes), "4.1": lambda: _initialisation(model),
        "4.2": lambda: _run_length(model), "4.3": lambda: _estimation(run),
        "5.1": _software, "5.2": lambda: _random(model, run), "5.3": lambda: EVENT_ORDER,
        "5.4": lambda: _system(run), "6.1": lambda: _sharing(model, run),
    }
    items = []
    for number, name in ITEMS:
        made = build[number]()
        item = made if isinstance(made, Item) else Item(number, name, list(made))
        item.number, item.name = number, name
        items.append(item)
    return items


# ---------------------------------------------------------------- 1 objectives
def _purpose(model: Model) -> Item:
    text = [f"{TEAM}: the question the study answers, for whom, and why simulation."]
    if model.description.strip():
        text.append("The model file describes the model as: "
                    + " ".join(model.description.split()))
    return Item("", "", text)


def _outputs() -> Item:
    from wholeflow.engine.kpis import CATALOGUE, SYSTEM_CATALOGUE

    rows = [{"KPI": k, "scope": "each service", "definition": v} for k, v in CATALOGUE.items()]
    rows += [{"KPI": k, "scope": "whole system", "definition": v}
             for k, v in SYSTEM_CATALOGUE.items()]
    return Item("", "", [
        "Every KPI is measured in each replication over the collection window (from the end of "
        "the warm-up to the end of the run), per service and for the whole system. Across "
        "replications each is reported as its mean with a 95 % Student t confidence interval, "
        "mean ± t(0.975, n − 1) · sd / √n; scenario differences use the paired differences of "
        "replications run on common random numbers (see 4.3)."],
        tables=[("KPIs", pd.DataFrame(rows))])


def _aims(model: Model) -> Item:
    if not model.scenarios:
        return Item("", "", ["No scenarios are defined: the model describes the baseline only. "
                             f"Aims of any experimentation: {TEAM.lower()}."])
    rows = [{"scenario": k, "description": " ".join((v.description or "–").split())}
            for k, v in model.scenarios.items()]
    return Item("", "", [
        f"Scenario-based analysis: {len(rows)} scenario{'s' if len(rows) != 1 else ''}, each "
        "compared with the baseline on common random numbers (their changes are in 2.3). "
        f"Rationale for choosing these scenarios: {TEAM.lower()}."],
        tables=[("Scenarios", pd.DataFrame(rows))])


# ---------------------------------------------------------------- 2 logic
def _edges(model: Model) -> list[tuple[str, str, str]]:
    """(from, to, label) of every route, with its share (and class when routes are by class)."""
    out = []
    for sid, routes in model.routes.items():
        sets = routes.items() if isinstance(routes, dict) else [("", routes)]
        for klass, rs in sets:
            for r in rs:
                label = f"{r.probability:g}" + (f" {klass}" if klass else "")
                out.append((sid, r.to, label))
                if r.on_reject:
                    out.append((r.to, r.on_reject, "rejected" + (f" {klass}" if klass else "")))
    return out


def _diagram(model: Model) -> Item:
    lines = ["flowchart LR"]
    for aid, stream in model.arrivals.items():
        lines.append(f"    arrivals_{aid}([{aid}]) --> {stream.service}")
    for source, target, label in dict.fromkeys(_edges(model)):  # each edge once, in order
        lines.append(f"    {source} -->|{label}| {target}")
    for eid in model.exits:
        lines.append(f"    {eid}(({eid}))")
    return Item("", "", [
        f"The system map of the HTML report (section 'The system on one page') draws the "
        f"{len(model.services)} services, {len(model.exits)} exits and every route with its "
        "expected flow. Below, the same routes as a Mermaid flowchart (route shares; "
        "'rejected' marks where a rejected referral goes)."],
        code=[("Routes", "mermaid", "\n".join(lines))])


def _scenario_logic(model: Model) -> Item:
    if not model.scenarios:
        return Item("", "", ["No scenarios: nothing differs from the base model."])
    code = []
    for name in model.scenarios:
        diff = facts.diff_text(model, name)
        code.append((f"Scenario {name}: differences from the baseline", "diff",
                     diff or "# no value differs from the baseline"))
    return Item("", "", [
        "A scenario is a patch of the baseline model file; the logic of the engine is the same. "
        "The differences below compare the validated baseline and scenario models value by "
        "value ('-' baseline, '+' scenario), so they are what was simulated."], code=code)


def _activities(model: Model) -> Item:
    rows = []
    for sid, s in model.services.items():
        rows.append({
            "service": sid, "length of stay (days)": facts.flow(
                s.length_of_stay.model_dump(by_alias=True, mode="json")),
            "by class": ", ".join(s.length_of_stay_by_class) or "–",
            "triage time (days)": facts.flow(
                s.referral.triage_time.model_dump(by_alias=True, mode="json")),
            "acceptance": s.referral.acceptance,
            "assessments on entry": s.assessments,
        })
    return Item("", "", [
        "A person's stay at a service (length of stay, from start to ready to move on), the "
        "triage of a referral by the receiving service, the assessments on entry and any "
        "transfer delay on a route. Routing into and out of each service is in 2.1."],
        tables=[("Activities by service", pd.DataFrame(rows))])


def _resources(model: Model) -> Item:
    rows = []
    for sid, s in model.services.items():
        cap = s.capacity
        rows.append({"service": sid,
                     "capacity": "no limit" if cap is None else facts.flow(
                         cap if isinstance(cap, int | float)
                         else cap.model_dump(by_alias=True, mode="json")),
                     "used by": "stays (a place from start until the person leaves"
                                + (", held while waiting to move on)" if s.holds_on_transfer
                                   else ")"),
                     "funder": s.funder or "–"})
    extra = _extra_sections(model)
    text = ["Resources are the places (beds or caseload places) of each service."]
    if extra:
        text.append("The model file also has these sections, whose resources and parameters "
                    f"are listed in 3.3: {', '.join(extra)}.")
    return Item("", "", text, tables=[("Places by service", pd.DataFrame(rows))])


def _extra_sections(model: Model) -> list[str]:
    """Top-level sections the appendix does not describe by name (e.g. newer model arrows)."""
    known = {"name", "description", "start_date", "warm_up_days", "run_days", "calendars",
             "classes", "services", "exits", "arrivals", "routes", "initial_state",
             "scenarios", "max_events"}
    data = model.model_dump(by_alias=True, exclude_defaults=True)
    return [k for k, v in data.items() if k not in known and v]


def _queues(model: Model) -> Item:
    rows = [{"service": sid, "referral calendar": s.referral.calendar, "admits": s.admits,
             "holds place while waiting to move on": s.holds_on_transfer}
            for sid, s in model.services.items()]
    return Item("", "", QUEUE_RULES, tables=[("Queues by service", pd.DataFrame(rows))])


def _entry_exit(model: Model) -> Item:
    rows = [{"stream": aid, "into": a.service, "per day": a.per_day,
             "weekday profile": facts.flow(a.weekday_profile) if a.weekday_profile else "flat",
             "class mix": facts.flow(a.class_mix) if a.class_mix else "–"}
            for aid, a in model.arrivals.items()]
    exits = ", ".join(model.exits) or "none"
    return Item("", "", [
        "Entry: arrival streams are Poisson processes counted per day (the daily rate times the "
        "weekday and monthly profiles), each person arriving at a uniform time within the day "
        "(not thinning); the initial census (4.1) puts people in services at day 0. "
        f"Exit: a route to one of the exits ({exits}) ends a person's journey."],
        tables=[("Arrival streams", pd.DataFrame(rows))] if rows else [])


# ---------------------------------------------------------------- 3 data
def _data_sources(model: Model, notes: list[facts.ParameterNote]) -> Item:
    files = facts.data_files(facts.workspace_of(model))
    cited = sum(1 for n in notes if n.kind == "cited")
    text = [f"The model file ({model.source or 'not from a file'}) gives {len(notes)} values; "
            f"{cited} cite their source in a comment (3.3)."]
    tables = []
    if files:
        tables.append(("Data files", pd.DataFrame([{
            "file": f.file, "SHA-256": f.sha256[:16] + "…", "rows": f.rows if f.rows is not None
            else "–", "first date": f.first or "–", "last date": f.last or "–", "use": f.use}
            for f in files])))
    else:
        text.append("No data files in the workspace (no event store, data/ or measures/).")
    text.append(f"Sample selection, links and DOIs of published sources: {TEAM.lower()}.")
    return Item("", "", text, tables=tables)


def _pre_processing(model: Model) -> list[str]:
    workspace = facts.workspace_of(model)
    imported = workspace is not None and (workspace / ".wholeflow" / "store.duckdb").exists()
    text = []
    if imported:
        text.append("Imported event logs were pseudonymised (salted hashes of person ids), "
                    "checked row by row (every row loaded or quarantined with its reason, "
                    "counts in 3.1) and rebuilt into stays, referrals and delays by wholeflow's "
                    "importer; calibrated values carry their evidence as comments in the model.")
    else:
        text.append("No event log was imported into this workspace, so wholeflow did no "
                    "pre-processing.")
    text.append(f"Any preparation of the data before wholeflow: {TEAM.lower()}.")
    return text


def _parameters(model: Model, notes: list[facts.ParameterNote]) -> Item:
    rows = [{"parameter": n.path, "value": facts.flow(n.value), "distribution": n.distribution,
             "source": n.kind, "note (model file comment)": n.note or "–",
             "line": n.line if n.line is not None else "–"} for n in notes]
    counts = pd.Series([n.kind for n in notes]).value_counts().to_dict() if notes else {}
    text = [
        "Every value written in the model file, with the comment written beside it (on its "
        "line, just above it, or on its parent) as its source: 'cited' notes name their source "
        "(e.g. 'seed: ...'), 'assumption' notes say it is assumed, 'none' has no note. "
        f"Counts: {', '.join(f'{k} {v}' for k, v in counts.items()) or 'none'}. Stochastic "
        "inputs name their distribution family and its parameters (2.4 says how they are "
        "drawn). Values used by scenarios are in 2.3."]
    if not notes:
        text = ["The model was not read from a file, so its values have no source notes."]
    return Item("", "", text, tables=[("Input parameters", pd.DataFrame(rows))] if rows else [])


def _assumptions(notes: list[facts.ParameterNote]) -> Item:
    assumed = [n for n in notes if n.kind == "assumption"]
    bare = [n.path for n in notes if n.kind == "none"]
    text = [f"{len(assumed)} values are marked as assumptions in the model file (listed in "
            "3.3 with their notes). Justification of each assumption: "
            f"{TEAM.lower()}."]
    if bare:
        text.append(f"{len(bare)} values have no note at all; the team should say where they "
                    "came from: " + ", ".join(bare[:40]) + (" …" if len(bare) > 40 else "") + ".")
    return Item("", "", text)


# ---------------------------------------------------------------- 4 experimentation
def _initialisation(model: Model) -> list[str]:
    census = (", ".join(f"{sid} {s.occupancy}" for sid, s in model.initial_state.items())
              if model.initial_state else "")
    text = [
        "Non-terminating system (a health and social care system runs continuously). "
        f"Warm-up: {model.warm_up_days:g} days, a fixed length set in the model file "
        "(warm_up_days); results count only after it. wholeflow can check it with MSER-5 "
        "(White 1997) on daily occupancy: `wholeflow compare --warm-up auto` runs a pilot and "
        "reports the truncation each service needs."]
    if census:
        text.append("Initial conditions: a pre-loaded census at day 0 (people in service: "
                    f"{census}). The counts are deterministic; each person's class and "
                    "remaining length of stay are drawn at random (a uniform share of a fresh "
                    "length of stay).")
    else:
        text.append("Initial conditions: the system starts empty at day 0.")
    return text


def _run_length(model: Model) -> list[str]:
    return [f"{model.run_days:g} days of results after {model.warm_up_days:g} days of warm-up "
            f"({model.warm_up_days + model.run_days:g} simulated days per replication), from "
            f"{model.start_date:%-d %B %Y}. Time unit: days (continuous), day 0 = 00:00 on the "
            "start date, so weekdays and bank holidays of England and Wales apply."]


def _estimation(run: RunFacts) -> list[str]:
    n = (f"{run.replications} replications" + (f" ({run.where})" if run.where else "")
         if run.replications else "the number of replications of the run (none was given "
         "with this appendix; `wholeflow run` defaults to 10)")
    return [
        f"Multiple independent replications: {n}. Each KPI's 95 % confidence interval is a "
        "Student t interval over replications; a scenario's difference from the baseline is the "
        "mean of paired differences (replication r of both runs on the same random numbers) "
        "with its t interval. `wholeflow compare --precision 5%` chooses the number of "
        "replications that brings the watched KPIs' confidence intervals within 5 % of their "
        "means. Justification of the number of replications: "
        f"{TEAM.lower()} (or use --precision)."]


# ---------------------------------------------------------------- 5 implementation, 6 sharing
def _software() -> Item:
    table = pd.DataFrame([{"software": k, "version": v} for k, v in facts.versions().items()])
    return Item("", "", [
        "wholeflow (open-source Python package) with its own discrete-event engine compiled by "
        f"numba; operating system {facts.system_facts()['operating system']}."],
        tables=[("Software versions", table)])


def _random(model: Model, run: RunFacts) -> Item:
    from wholeflow.engine.compile import compile_model

    keys = [f"arrivals:{aid}" for aid in model.arrivals]
    keys += [f"initial:{sid}" for sid in model.initial_state]
    keys += [s.key for s in compile_model(model).streams]
    purposes = pd.Series([k.split(":", 1)[0] for k in keys]).value_counts(sort=False)
    seed = f"seed {run.seed}" if run.seed is not None else "the seed given to the run"
    return Item("", "", [
        "numpy Generator with the PCG64 bit generator. Each replication has one independent "
        "stream per purpose, seeded by numpy SeedSequence(seed, spawn_key=(replication, "
        f"hash of the stream's name)); here {seed}, {len(keys)} streams per replication. "
        "Common random numbers: a scenario draws from the streams of the same names, so it "
        "shares every draw with the baseline wherever the two models agree, and adding a "
        "stream moves no other stream's draws. Streams are drawn in advance into buffers that "
        "a longer draw extends with the same first numbers."],
        tables=[("Streams per purpose", pd.DataFrame({"purpose": purposes.index,
                                                       "streams": purposes.to_numpy()}))])


def _system(run: RunFacts) -> Item:
    rows = [{"fact": k, "value": v} for k, v in facts.system_facts().items()]
    if run.seconds is not None:
        rows.append({"fact": "run time", "value": f"{run.seconds:,.1f} s for "
                     f"{run.replications or '?'} replications ({run.where})"})
    else:
        rows.append({"fact": "run time", "value": "not recorded with these results; "
                     "`wholeflow stress WORKSPACE --replications N` times a run"})
    return Item("", "", ["The machine that wrote this appendix. Replications run in parallel on "
                         "local processes or a Dask cluster give the same numbers."],
                tables=[("System", pd.DataFrame(rows))])


def _sharing(model: Model, run: RunFacts) -> list[str]:
    from pathlib import Path

    from wholeflow import __version__

    digest = (facts.file_hash(Path(model.source)) if model.source and Path(model.source).is_file()
              else "")
    where = facts.workspace_of(model) or (Path(model.source) if model.source else None)
    seed = run.seed if run.seed is not None else 0
    n = run.replications or 10
    text = [f"wholeflow {__version__} is open source (MIT licence) and installs with pip. "
            f"The model is the file {model.source or '(in memory)'}"
            + (f" (SHA-256 {digest})" if digest else "") + ". "
            f"To repeat the baseline: `wholeflow run {where or 'MODEL'} --replications {n} "
            f"--seed {seed}`."]
    text.append(f"Where the model and data are published (link, DOI, licence): {TEAM.lower()}.")
    return text


# ---------------------------------------------------------------- output
def stress_markdown(model: Model, run: RunFacts | None = None) -> str:
    """The appendix as a Markdown document."""
    out = [f"# STRESS-DES reproducibility appendix: {model.name}", "",
           "Items of the STRESS-DES checklist (Monks et al. 2019), filled in by wholeflow from "
           "the model, the workspace and this machine. Items marked "
           f"\"{TEAM}\" need the team.", ""]
    section = ""
    for item in stress_items(model, run):
        head = item.number.split(".")[0]
        if head != section:
            section = head
            out += [f"## {head}. {SECTIONS[head]}", ""]
        out += [f"### {item.number} {item.name}", ""]
        for paragraph in item.text:
            out += [paragraph, ""]
        for caption, table in item.tables:
            out += [f"**{caption}**", "", _markdown_table(table), ""]
        for caption, language, code in item.code:
            out += [f"**{caption}**", "", f"```{language}", code, "```", ""]
    return "\n".join(out)


def _markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown (GitHub) table; pipes and line breaks in cells escaped."""
    def cell(value: Any) -> str:
        return " ".join(str(value).split()).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |",
             "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def stress_section(model: Model, results: Any = None) -> Section:
    """The appendix as the report's last section (one table per STRESS-DES part)."""
    from wholeflow.report.document import Code, Section, Table

    items = stress_items(model, run_facts(model, results))
    blocks: list[Any] = []
    for head, title in SECTIONS.items():
        part = [i for i in items if i.number.split(".")[0] == head]
        frame = pd.DataFrame([{"item": i.number, "name": i.name, "what this study did":
                               " ".join(i.text)} for i in part])
        blocks.append(Table(frame, f"STRESS-DES {head}: {title}", f"{head}. {title}"))
        for i in part:
            for caption, table in i.tables:
                if i.number != "1.2":  # the KPI catalogue is in the KPI section already
                    blocks.append(Table(_as_text(table), f"{i.number} {caption}",
                                        f"{i.number} {caption}"))
            for caption, language, code in i.code:
                if language != "mermaid":  # the report draws the map itself (2.1)
                    blocks.append(Code(code, f"{i.number} {caption}", language))
    return Section("stress-des", "Reproducibility appendix (STRESS-DES)", blocks,
                   intro="The STRESS-DES checklist (Monks et al. 2019) item by item: what "
                         f"wholeflow knows is filled in; \"{TEAM}\" marks what the team must "
                         "add.")


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text: the appendix counts model objects (streams, assessments, file rows), not
    people, so the report's small-number suppression must not hide them."""
    from wholeflow.report.tabulate import format_cell

    return frame.map(format_cell).astype(object)


def run_facts(model: Model, results: Any) -> RunFacts:
    """Replications and seed of ``results`` (in memory, or a stored run of the workspace)."""
    reps = getattr(results, "replications", None)
    if isinstance(reps, list) and reps:  # engine Results: replications carry their seed
        return RunFacts(len(reps), getattr(reps[0], "seed", None), None, "results in memory")
    kpis = getattr(results, "kpis", None)
    if isinstance(kpis, pd.DataFrame) and "replication" in kpis and len(kpis):
        found = stored_run(model)
        return RunFacts(int(kpis["replication"].nunique()),
                        found.seed if found else None, None, "stored results")
    return stored_run(model) or RunFacts()


def stored_run(model: Model) -> RunFacts | None:
    """The newest stored baseline run of this model in its workspace, if any."""
    import datetime as dt
    import json

    from wholeflow.experiment.store import RUNS, model_hash

    workspace = facts.workspace_of(model)
    if workspace is None or not (workspace / RUNS).is_dir():
        return None
    digest = model_hash(model)
    manifests = []
    for path in (workspace / RUNS).glob("*/manifest.json"):
        try:
            m = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if m.get("model_hash") == digest and m.get("replications"):
            manifests.append(m)
    if not manifests:
        return None
    m = max(manifests, key=lambda m: str(m.get("updated", "")))
    try:
        seconds = (dt.datetime.fromisoformat(m["updated"])
                   - dt.datetime.fromisoformat(m["created"])).total_seconds()
    except (KeyError, TypeError, ValueError):
        seconds = None
    return RunFacts(int(m["replications"]), m.get("seed"), seconds,
                    f"stored run {m.get('id', '?')}, time from its manifest")
