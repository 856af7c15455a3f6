"""Write the README.md of the Wigan and Liverpool examples: source figures against the model.

Run ``python docs/gen_example_figures.py [wigan|liverpool ...]`` after changing either example
(both when none is named); a test fails while a committed README differs from what this script
renders. ``--log`` also rewrites the example's synthetic event log (``data/<name>-events.csv``).

Each README sets what the AQuA learning report (2018) says about the system beside what the
model makes of it. The script simulates the baseline and every scenario through the public API
(``wholeflow.simulate``) on common random numbers, :data:`REPLICATIONS` replications each; every
95 % confidence interval is a t interval over replications, and a scenario's effect is the
paired difference from the baseline, replication by replication.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
import pandas as pd

from wholeflow import Model, Results, load_model, simulate
from wholeflow.data.synthetic.logs import event_log
from wholeflow.experiment.stats import estimate

EXAMPLES = ("wigan", "liverpool")
REPLICATIONS = 20
SEED = 2018
#: Days of the measured year the shipped event log covers (from the end of the warm-up).
LOG_DAYS = {"wigan": 42, "liverpool": 90}
#: Readmission: an admission within this many days of leaving the previous one.
READMISSION_DAYS = 30
YEAR = 365.25
#: Wigan's community respiratory team (staff KPIs are per team).
TEAM = "staff.respiratory_team"


@dataclass(frozen=True)
class Ci:
    """A mean over replications and its 95 % confidence interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Ci:
        """The t interval of :func:`wholeflow.experiment.stats.estimate`, as the CLI gives it."""
        est = estimate(values)
        return cls(est.mean, est.low, est.high)

    def text(self, digits: int = 0, unit: str = "", scale: float = 1.0) -> str:
        m, lo, hi = (self.mean * scale, self.low * scale, self.high * scale)
        return f"{m:,.{digits}f}{unit} ({lo:,.{digits}f} to {hi:,.{digits}f})"

    def pct(self) -> str:
        return self.text(1, " %", 100)

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Row:
    """One source figure and what the model makes of it."""

    figure: str
    source: str
    model: str
    verdict: str
    inputs: str


def example(name: str) -> Model:
    with as_file(files("wholeflow.examples") / name) as folder:
        return load_model(folder)


def run_all(model: Model, replications: int = REPLICATIONS, seed: int = SEED
            ) -> dict[str, Results]:
    """The baseline and every scenario of the model, on common random numbers."""
    runs = {"baseline": simulate(model, replications, seed)}
    for name in model.scenarios:
        runs[name] = simulate(model, replications, seed, scenario=name)
    return runs


# --- per-replication figures from the raw records -------------------------------------------

def per_rep(results: Results, fn: Callable[..., float]) -> np.ndarray:
    """``fn(replication, compiled model)`` for each replication."""
    return np.array([fn(r, results.compiled) for r in results.replications], dtype=float)


def _window(results: Results) -> tuple[float, float]:
    m = results.model
    return float(m.warm_up_days), float(m.warm_up_days + m.run_days)


def member_attendances(results: Results, rep) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Attendances of each cohort member in the first year of the window (one cohort)."""
    w0, w1 = _window(results)
    member = rep.member_of
    arrived = rep.people["arrived"]
    first_year = (member >= 0) & (arrived >= w0) & (arrived < min(w1, w0 + YEAR))
    return np.bincount(member[first_year], minlength=sum(c.size for c in
                                                         results.model.cohorts.values()))


def group_of_members(model: Model) -> np.ndarray:
    """Risk-group name of each member, assigned in order of the shares as the engine does."""
    names: list[str] = []
    for co in model.cohorts.values():
        shares = [g.share for g in co.risk_groups.values()]
        bounds = np.round(np.cumsum([0.0, *shares]) * co.size).astype(int)
        bounds[-1] = co.size
        for gid, a, b in zip(co.risk_groups, bounds[:-1], bounds[1:], strict=True):
            names += [gid] * max(int(b - a), 0)
    return np.array(names, dtype=object)


def share_among_frequent(results: Results, in_group: np.ndarray) -> np.ndarray:
    """Per replication: share of members with 2+ attendances who are in ``in_group``."""
    def fn(rep, cm) -> float:  # type: ignore[no-untyped-def]
        frequent = member_attendances(results, rep) >= 2
        return float(in_group[frequent].mean())
    return per_rep(results, fn)


def readmission_share(results: Results, service: str) -> np.ndarray:
    """Per replication: share of admissions to ``service`` started in the window that come
    within :data:`READMISSION_DAYS` of the same cohort member leaving it."""
    s = list(results.model.services).index(service)
    w0, w1 = _window(results)

    def fn(rep, cm) -> float:  # type: ignore[no-untyped-def]
        st = rep.stints
        st = st[(st["service"] == s) & ~np.isnan(st["started"])]
        who = rep.member_of[st["person"]]
        st, who = st[who >= 0], who[who >= 0]
        order = np.lexsort((st["started"], who))
        st, who = st[order], who[order]
        same = np.r_[False, who[1:] == who[:-1]]
        gap = np.r_[np.inf, st["started"][1:] - st["ended"][:-1]]
        inside = (st["started"] >= w0) & (st["started"] < w1)
        readmitted = same & (gap <= READMISSION_DAYS)
        return float(readmitted[inside].mean()) if inside.any() else float("nan")
    return per_rep(results, fn)


def placement_wait(results: Results, exit_id: str) -> np.ndarray:
    """Per replication: mean days people placed at ``exit_id`` in the window waited for it."""
    e = len(results.model.services) + list(results.model.exits).index(exit_id)
    w0, w1 = _window(results)

    def fn(rep, cm) -> float:  # type: ignore[no-untyped-def]
        st = rep.stints
        done = (st["destination"] == e) & (st["ended"] >= w0) & (st["ended"] < w1)
        return float((st["ended"][done] - st["ready"][done]).mean()) if done.any() else 0.0
    return per_rep(results, fn)


def kpi(results: Results, metric: str, service: str = "system") -> Ci:
    return Ci.of(results.kpi(metric, service))


def diff(runs: dict[str, Results], scenario: str, metric: str, service: str = "system") -> Ci:
    """Scenario minus baseline, paired by replication."""
    return Ci.of(runs[scenario].kpi(metric, service) - runs["baseline"].kpi(metric, service))


def _pct_change(runs: dict[str, Results], scenario: str, metric: str, service: str) -> str:
    base = runs["baseline"].kpi(metric, service)
    change = Ci.of((runs[scenario].kpi(metric, service) - base) / base)
    return change.text(1, " %", 100)


def _share(value: float) -> str:
    return f"{value * 100:.1f} %"


def _close(ci: Ci, source: float, tol: float) -> str:
    """'matches' when the CI holds the source figure or its mean is within ``tol`` of it."""
    if ci.holds(source) or abs(ci.mean - source) <= tol:
        return "matches"
    way = "higher" if ci.mean > source else "lower"
    return f"{way} by {abs(ci.mean - source) * 100:.1f} points"


# --- Wigan ---------------------------------------------------------------------------------

def wigan_rows(runs: dict[str, Results], model: Model) -> list[Row]:
    base = runs["baseline"]
    co = model.cohorts["copd"]
    groups = group_of_members(model)
    no_review = np.isin(groups, ["no_review", "no_review_anxiety_depression"])
    anxious = np.isin(groups, ["reviewed_anxiety_depression", "no_review_anxiety_depression"])
    frequent = kpi(base, "share_with_2_or_more", "cohort.copd")
    among_no_review = Ci.of(share_among_frequent(base, no_review))
    among_anxious = Ci.of(share_among_frequent(base, anxious))
    rate = kpi(base, "attendances_per_person_year", "cohort.copd")
    admissions = kpi(base, "cohort_admissions", "cohort.copd")
    rejected = kpi(base, "rejected_referrals")
    lost = kpi(base, "failure_demand_hours")
    repeated = kpi(base, "repeated_assessment_hours", "staff.respiratory_team")
    nurses = kpi(base, "staff_utilisation", "staff.respiratory_team.respiratory_nurse")
    spa = "single_referral_route"
    team = model.staff["respiratory_team"]
    return [
        Row("Audited COPD cohort attending A&E twice or more in the year", "57 %",
            frequent.pct() + f" of {co.size:,} members",
            _close(frequent, 0.57, 0.03) + " (calibrated: the reviewed group's rate is set "
            "to give it)",
            "source: 57 %; assumption: cohort size, risk groups' rates (x1.5 with no review, "
            "x1.4 with anxiety or depression)"),
        Row("Had not had an annual review", "a third",
            f"{_share(no_review.mean())} of the cohort (input); {among_no_review.pct()} of "
            "those attending twice or more",
            "matches as an input (the cohort reading); under the other reading (a third of "
            "the frequent attenders) the model's share is higher, as a higher-rate group's must be",
            "source: a third; assumption: 'these patients' is the audited cohort"),
        Row("Have anxiety and/or depression", "almost half",
            f"{_share(anxious.mean())} of the cohort (input); {among_anxious.pct()} of those "
            "attending twice or more",
            "matches as an input (the cohort reading)",
            "source: almost half; assumption: 47 %, independent of having a review"),
        Row("Larger than expected admissions (reactive care)", "no figure",
            f"{rate.text(2)} A&E attendances per member a year; {admissions.text()} "
            "admissions to the respiratory ward a year",
            "a model result, no source figure to test",
            "assumption: 55 % of attendances admitted, lengths of stay"),
        Row("Handovers: failure demand from too many similar referral routes", "no figure",
            f"{rejected.text()} referrals rejected a year, {lost.text()} clinical hours; "
            f"one referral route: {diff(runs, spa, 'rejected_referrals').text()} rejected, "
            f"{diff(runs, spa, 'failure_demand_hours').text()} hours (scenario {spa})",
            "a model result: the fall follows from the assumed acceptance (70 -> 95 %)",
            "assumption: 70 % and 75 % accepted, 30 minutes per rejected referral"),
        Row("Duplication of staff time (repeated assessments, spirometry)", "no figure",
            f"{repeated.text()} team hours a year on assessments after a person's first; "
            f"one route: {diff(runs, spa, 'repeated_assessment_hours', TEAM).text()} hours; "
            "assessments per journey "
            f"{diff(runs, spa, 'assessments_per_journey').text(2)}",
            "a model result, no source figure to test",
            "assumption: two assessments at the community team and rehabilitation, one with "
            "the shared assessment"),
        Row("Lack of community service resource", "no figure",
            f"respiratory nurses' staff utilisation {nurses.pct()} of available hours "
            "(caseload places follow the staff present each day)",
            "a model result, no source figure to test",
            f"assumption: {team.groups['respiratory_nurse'].wte:g} WTE nurses, "
            f"{team.absence.sickness * 100:g} % sickness, {team.absence.annual_leave_weeks:g} "
            "weeks' leave; hours for triage, assessments and discharges set aside"),
    ]


def wigan_effects(runs: dict[str, Results]) -> list[tuple[str, str, str, str, str]]:
    out = []
    for name in runs:
        if name == "baseline":
            continue
        out.append((
            name,
            diff(runs, name, "share_with_2_or_more", "cohort.copd").text(1, " points", 100),
            _pct_change(runs, name, "attendances", "cohort.copd"),
            _pct_change(runs, name, "cohort_admissions", "cohort.copd"),
            diff(runs, name, "failure_demand_hours").text(),
        ))
    return out


WIGAN_EFFECTS_HEAD = ("| scenario | members attending twice or more (points) | A&E attendances "
                      "| admissions | failure demand (hours) |\n|---|---|---|---|---|")


# --- Liverpool -----------------------------------------------------------------------------

def liverpool_rows(runs: dict[str, Results], model: Model) -> list[Row]:
    base = runs["baseline"]
    co = model.cohorts["complex_needs"]
    rate = kpi(base, "attendances_per_person_year", "cohort.complex_needs")
    admissions = kpi(base, "cohort_admissions", "cohort.complex_needs")
    per_person = Ci.of(base.kpi("cohort_admissions", "cohort.complex_needs") / co.size)
    readmitted = Ci.of(readmission_share(base, "acute_medical"))
    mh = base.kpi("acceptance_rate", "mental_health")
    mh_rejected = kpi(base, "rejected_referrals", "mental_health")
    nos = "mental_health_without_sobriety"
    placement = kpi(base, "delayed_days_placement", "acute_medical")
    wait = Ci.of(placement_wait(base, "supported_housing"))
    housing = "more_supported_housing"
    assessments = kpi(base, "assessments_per_journey")
    breaks = kpi(base, "information_breaks_per_journey")
    voluntary = [s for s, v in model.services.items() if v.funder == "charity"]
    hiu = "high_intensity_user_service"
    return [
        Row("High rates of admissions and readmissions", "no figure",
            f"{rate.text(2)} A&E attendances per person a year; {admissions.text()} admissions "
            f"a year ({per_person.text(2)} per person); {readmitted.pct()} of admissions within "
            f"{READMISSION_DAYS} days of the last discharge",
            "a model result, no source figure to test",
            f"assumption: {co.size} people; "
            + ", ".join(f"{g.share * 100:.0f} % at {g.events_per_year:g} a year"
                        for g in co.risk_groups.values())
            + "; 30-40 % of attendances admitted"),
        Row("Every service user met suffered with mental health problems", "all",
            "100 % of the cohort in classes with complex needs (input)",
            "matches as an input", "source"),
        Row("A mental-health referral is extremely difficult to get until alcohol and drug "
            "issues are resolved", "no figure",
            f"{Ci.of(mh).pct()} of referrals accepted, {mh_rejected.text()} refused a year and "
            f"re-routed to the drug and alcohol service; without the condition: "
            f"{diff(runs, nos, 'rejected_referrals', 'mental_health').text()} refused, "
            f"{diff(runs, nos, 'admissions', 'mental_health').text()} starting care "
            f"(scenario {nos})",
            "the acceptance is an input; the re-routing and its cost are model results",
            "assumption: 25 % accepted (80 % without the condition), an hour per refusal"),
        Row("An extremely limited amount of suitable housing", "no figure",
            f"{placement.text()} hospital bed days a year waiting for supported housing; "
            f"{wait.text(1)} days' wait per person housed; twice the places: "
            f"{diff(runs, housing, 'delayed_days_placement', 'acute_medical').text()} bed days "
            f"(scenario {housing})",
            "a model result, no source figure to test",
            f"assumption: {model.exits['supported_housing'].placements_per_week:g} places a "
            "week; 15 % of discharges need one"),
        Row("Services with their own records: people tell their story again", "no figure",
            f"{assessments.text(2)} assessments and {breaks.text(2)} changes of record system "
            f"per journey; {len(voluntary)} voluntary-sector services each with its own record",
            "a model result, no source figure to test",
            "assumption: assessments per service, one record system per organisation"),
        Row("More than 16 services at the diagnostic day", "> 16",
            f"{len(model.services)} services modelled (a slice: A&E, acute wards, mental "
            "health, drug and alcohol, three voluntary services)",
            "fewer: the model is a slice of the system", "assumption"),
        Row("High Intensity User service (recommended)", "no figure",
            f"A&E attendances {_pct_change(runs, hiu, 'attendances', 'cohort.complex_needs')}, "
            f"admissions {_pct_change(runs, hiu, 'cohort_admissions', 'cohort.complex_needs')} "
            f"(scenario {hiu})",
            "a model result: follows from the assumed halving of the most frequent attenders' "
            "rate", "assumption: 2 WTE key workers, half the rate"),
    ]


def liverpool_effects(runs: dict[str, Results]) -> list[tuple[str, str, str, str, str]]:
    out = []
    for name in runs:
        if name == "baseline":
            continue
        out.append((
            name,
            _pct_change(runs, name, "attendances", "cohort.complex_needs"),
            _pct_change(runs, name, "cohort_admissions", "cohort.complex_needs"),
            diff(runs, name, "delayed_days_placement", "acute_medical").text(),
            diff(runs, name, "failure_demand_hours").text(),
        ))
    return out


LIVERPOOL_EFFECTS_HEAD = ("| scenario | A&E attendances | admissions | bed days waiting for "
                          "housing | failure demand (hours) |\n|---|---|---|---|---|")


# --- the README ----------------------------------------------------------------------------

HEADER = """\
# {title}

<!-- generated by docs/gen_example_figures.py: do not edit; run the script instead -->

{description}

Run it end to end with `wholeflow demo {name}` (simulate, compare the scenarios, write a
report), or copy this folder and open it with `wholeflow run`. The folder holds:

- `wholeflow.yaml`: the model and its scenarios, every number commented with its source in the
  AQuA Whole System Flow learning report (2018), section {section}, or marked as an assumption;
- `findings/diagnostic.yaml`: what the diagnostic heard and saw, filed by the four arrows and
  the 4N's;
- `measures/`: small SPC series with PDSA cycles, **illustrative** (drawn at random, labelled
  so in each file), to show the charts; replace them with your own extracts;
- `data/{name}-events.csv`: a synthetic event log made by simulating the model (one replication,
  the first {log_days} days of the measured year; cohort members keep one id across
  attendances), to try `wholeflow import` and the diagnostics on.

## The source against the model

How the figures were made: {reps} replications of one year after a {warm:g}-day warm-up, seed
{seed}, the baseline and each scenario on common random numbers. Intervals are 95 % t
intervals over replications; a scenario's effect is the paired difference from the baseline.
"""

FOOTERS = {
    "wigan": """
**Reading the verdicts.** The 57 % is the one figure the model is calibrated to; the shares
with no review and with anxiety or depression are inputs. The source's "a third of these
patients" may mean a third of the frequent attenders rather than of the audited cohort: the
model takes the cohort reading (as the issue asks), and shows what the frequent attenders'
shares then are. The findings without figures are shown as the model's results at its
assumptions, to be replaced by local data.

**Limits.** A member has no new exacerbation while on a journey (in A&E, on the ward, with the
community team, in rehabilitation or on a course), so the model's rate is the rate at home.
Annual reviews arrive as their own stream (3.65 a day): the engine's cohorts send members to
one service, so reviews are not tied to particular members, and a review does not change a
member's own rate; the scenarios change the risk groups' rates instead.
""",
    "liverpool": """
**Reading the verdicts.** The source's Liverpool findings are in words; the model turns each
into a mechanism (a low acceptance with a re-route, a placement-limited exit, one record
system per organisation) whose sizes are assumptions. The rows show what those assumptions
give, for a team to replace with its own data.

**Limits.** A member has no new crisis while on a journey (in hospital, in mental-health care,
with the drug and alcohol service or a voluntary service), so the rates are rates in the
community. People housed keep their group's rate (housing is given no credit for health), so
more housing shows slightly more attendances: people leave hospital sooner and are back at
risk sooner. The cohort has no newcomers: it only loses those who die.
""",
}

META = {
    "wigan": ("6", "copd", wigan_rows, wigan_effects, WIGAN_EFFECTS_HEAD),
    "liverpool": ("7", "complex_needs", liverpool_rows, liverpool_effects,
                  LIVERPOOL_EFFECTS_HEAD),
}


def render(name: str, runs: dict[str, Results] | None = None) -> str:
    model = example(name)
    runs = runs or run_all(model)
    section, _, rows_of, effects_of, effects_head = META[name]
    lines = [HEADER.format(title=model.name, description=" ".join(model.description.split()),
                           name=name, section=section, log_days=LOG_DAYS[name],
                           reps=REPLICATIONS, warm=model.warm_up_days, seed=SEED),
             "| source figure | source | model (95 % CI) | verdict | inputs |",
             "|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.source} | {r.model} | {r.verdict} | {r.inputs} |"
              for r in rows_of(runs, model)]
    lines += ["", "## The scenarios against the baseline", "",
              "Differences from the baseline over the measured year, 95 % CI.", ""]
    for sid, sc in model.scenarios.items():
        lines.append(f"- **{sid}**: {' '.join(sc.description.split())}")
    lines += ["", effects_head]
    lines += ["| " + " | ".join(cells) + " |" for cells in effects_of(runs)]
    return "\n".join(lines) + "\n" + FOOTERS[name]


# --- the event log -------------------------------------------------------------------------

def example_events(name: str, seed: int = SEED) -> pd.DataFrame:
    """One replication's event log for the first ``LOG_DAYS`` days of the measured year.

    Journeys that arrived in those days are kept (and cut at the extract's end); a cohort
    member keeps one identifier (``M0001``) across attendances, as an NHS number would, and
    other people get ``P`` numbers.
    """
    model = example(name)
    res = simulate(model, 1, seed)
    rep = res.replications[0]
    start = pd.Timestamp(model.start_date) + pd.Timedelta(days=model.warm_up_days)
    until = start + pd.Timedelta(days=LOG_DAYS[name])
    journeys = res.journeys
    keep = set(journeys.loc[(journeys["arrived"] >= start) & (journeys["arrived"] < until),
                            "person"])
    index = {p: int(p[1:]) for p in keep}
    member = rep.member_of
    width = len(str(len(member) and int(member.max())))

    def ids(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["person"].isin(keep)].copy()
        idx = frame["person"].map(index).to_numpy()
        m = member[idx]
        frame["person"] = np.where(m >= 0, [f"M{v:0{max(width, 4)}d}" for v in m],
                                   frame["person"].to_numpy())
        return frame

    return event_log(ids(res.stays), ids(res.referrals), until=until)


def main(argv: list[str]) -> None:
    log = "--log" in argv
    names = [a for a in argv if not a.startswith("--")] or list(EXAMPLES)
    for name in names:
        if name not in META:
            raise SystemExit(f"unknown example {name!r}: choose from {', '.join(EXAMPLES)}")
        with as_file(files("wholeflow.examples") / name) as folder:
            out = Path(folder) / "README.md"
            out.write_text(render(name), encoding="utf-8")
            print(f"wrote {out}")
            if log:
                csv = Path(folder) / "data" / f"{name}-events.csv"
                example_events(name).to_csv(csv, index=False)
                print(f"wrote {csv}")


if __name__ == "__main__":
    main(sys.argv[1:])
