"""The Wigan and Liverpool examples: they validate, run, hit the source's calibration figure,
ship what Bolton ships, and their READMEs are what docs/gen_example_figures.py renders now."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from wholeflow import load_model, simulate
from wholeflow.examples import example_folder
from wholeflow.measure.register import load_measures
from wholeflow.measure.sources import measure_spc
from wholeflow.report.findings import load_findings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("wigan", "liverpool")
#: The four arrows; each example's findings cover every one.
ARROWS = {"people", "information", "workforce", "finance_and_resources"}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_example_figures",
                                                  ROOT / "docs" / "gen_example_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.fixture(scope="module")
def gen():
    return _generator()


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_and_every_scenario_runs(name):
    model = load_model(example_folder(name))
    assert model.cohorts, "each example is built on a cohort that comes back"
    assert len(model.scenarios) >= 3
    for scenario in [None, *model.scenarios]:
        res = simulate(model, 1, 5, scenario=scenario)
        members = res.kpi("members", f"cohort.{next(iter(model.cohorts))}")[0]
        attendances = res.kpi("attendances", f"cohort.{next(iter(model.cohorts))}")[0]
        assert members == next(iter(model.cohorts.values())).size
        assert attendances > members / 2, scenario  # the cohort does come to A&E


def test_wigan_share_attending_twice_or_more_is_57_percent_at_baseline():
    # seed: 57 % of the audited COPD cohort attended A&E twice or more in the year. A seed
    # the README does not use, so this is a fresh estimate, not the calibration run again.
    model = load_model(example_folder("wigan"))
    share = simulate(model, 8, 77).kpi("share_with_2_or_more", "cohort.copd")
    assert abs(share.mean() - 0.57) <= 0.03
    # and the risk groups the source names are the shares it gives
    groups = model.cohorts["copd"].risk_groups
    assert sum(g.share for k, g in groups.items() if k.startswith("no_review")) \
        == pytest.approx(1 / 3, abs=0.005)
    assert sum(g.share for k, g in groups.items() if k.endswith("anxiety_depression")) \
        == pytest.approx(0.47, abs=0.005)
    # each is a risk group with a higher rate
    assert groups["no_review"].events_per_year > groups["reviewed"].events_per_year
    assert groups["reviewed_anxiety_depression"].events_per_year \
        > groups["reviewed"].events_per_year


def test_liverpool_expresses_its_findings_as_mechanisms():
    model = load_model(example_folder("liverpool"))
    # housing: a placement-limited exit that holds people in their hospital bed
    assert model.exits["supported_housing"].placements_per_week
    # mental health refused until drug and alcohol use is resolved: low acceptance, re-routed
    assert model.services["mental_health"].referral.acceptance <= 0.3
    routes = [r for k in model.classes for s in model.services for r in model.routes_for(s, k)
              if r.to == "mental_health"]
    assert routes and {r.on_reject for r in routes} <= {"drug_alcohol", "waves_of_hope"}
    # voluntary services each keep their own record and assess again
    voluntary = [s for s in model.services.values() if s.funder == "charity"]
    assert len({s.record_system for s in voluntary}) == len(voluntary) >= 3
    assert all(s.assessments >= 1 for s in voluntary)
    res = simulate(model, 3, 11)
    assert res.kpi("delayed_days_placement", "acute_medical").min() > 0
    assert res.kpi("rejected_referrals", "mental_health").min() > 0


@pytest.mark.parametrize("name", EXAMPLES)
def test_findings_cover_the_four_arrows_and_the_measures_chart(name):
    folder = example_folder(name)
    model = load_model(folder)
    findings = load_findings(folder, model)  # services and routes named must exist
    assert {f.arrow for f in findings} == ARROWS
    assert {"no_no", "niggle", "nugget", "nice_if"} <= {f.kind for f in findings}
    measures = load_measures(folder)
    assert len(measures) >= 2
    for measure in measures.values():
        result = measure_spc(measure, folder)
        assert len(result.points) >= 20 and not result.warnings
        spec = (folder / "measures" / f"{measure_file(folder, measure.name)}").read_text()
        assert "Illustrative" in spec  # labelled as not data


def measure_file(folder: Path, name: str) -> str:
    for path in (folder / "measures").glob("*.yaml"):
        if f"name: {name}\n" in path.read_text(encoding="utf-8"):
            return path.name
    raise AssertionError(name)


@pytest.mark.parametrize("name", EXAMPLES)
def test_event_log_is_the_simulated_one_and_imports_whole(name, gen, tmp_path):
    from wholeflow.data.storage.importer import import_events

    shipped = example_folder(name) / "data" / f"{name}-events.csv"
    log = pd.read_csv(shipped, dtype=str, keep_default_na=False)
    made = gen.example_events(name).astype(str).replace({"None": "", "nan": "", "NaT": ""})
    assert len(log) == len(made) and list(log["person"]) == list(made["person"])
    # cohort members keep one id across attendances: someone comes back
    starts = log[(log["event"] == "start") & (log["service"] == "ed")]
    assert starts["person"].str.startswith("M").all()
    assert starts["person"].value_counts().max() >= 2
    report = import_events(shipped, workspace=tmp_path)
    assert report.rows_in == report.rows_loaded + report.rows_quarantined
    assert report.rows_in == len(log)


def _stated(readme: str, row: str, nth: int = 0) -> tuple[float, float, float]:
    """The nth 'mean (low to high)' figure of the README row starting with ``row``."""
    line = next(x for x in readme.splitlines() if x.startswith(f"| {row}"))
    found = re.findall(r"(-?[\d,.]+)(?: %| points)? \((-?[\d,.]+) to (-?[\d,.]+)\)", line)
    return tuple(float(v.replace(",", "")) for v in found[nth])  # type: ignore[return-value]


def _agrees(stated: tuple[float, float, float], fresh: np.ndarray, n_stated: int,
            scale: float = 1.0) -> bool:
    """A fresh run's mean agrees with a stated mean and CI: the two means differ by less than
    a 99.9 % bound on the difference of two independent means (the stated half-width gives
    the sd)."""
    mean, low, high = stated
    sd = (high - low) / 2 / stats.t.ppf(0.975, n_stated - 1) * np.sqrt(n_stated) / scale
    se = sd * np.sqrt(1 / n_stated + 1 / fresh.size)
    return abs(fresh.mean() - mean / scale) <= stats.norm.ppf(0.9995) * se + 1e-9


@pytest.mark.slow
def test_readme_figures_reproduce_with_another_seed(gen):
    n = gen.REPLICATIONS
    wigan = (example_folder("wigan") / "README.md").read_text(encoding="utf-8")
    res = simulate(load_model(example_folder("wigan")), 10, 4242)
    assert _agrees(_stated(wigan, "Audited COPD cohort"),
                   res.kpi("share_with_2_or_more", "cohort.copd"), n, scale=100)
    assert _agrees(_stated(wigan, "Larger than expected admissions"),
                   res.kpi("attendances_per_person_year", "cohort.copd"), n)
    assert _agrees(_stated(wigan, "Larger than expected admissions", 1),
                   res.kpi("cohort_admissions", "cohort.copd"), n)
    assert _agrees(_stated(wigan, "Handovers"), res.kpi("rejected_referrals"), n)
    liverpool = (example_folder("liverpool") / "README.md").read_text(encoding="utf-8")
    res = simulate(load_model(example_folder("liverpool")), 10, 4242)
    assert _agrees(_stated(liverpool, "High rates of admissions"),
                   res.kpi("attendances_per_person_year", "cohort.complex_needs"), n)
    assert _agrees(_stated(liverpool, "High rates of admissions", 1),
                   res.kpi("cohort_admissions", "cohort.complex_needs"), n)
    assert _agrees(_stated(liverpool, "An extremely limited amount"),
                   res.kpi("delayed_days_placement", "acute_medical"), n)


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_committed_readme_is_up_to_date(name, gen):
    committed = (example_folder(name) / "README.md").read_text(encoding="utf-8")
    rendered = gen.render(name)
    assert committed == rendered, (
        f"src/wholeflow/examples/{name}/README.md is stale: run "
        f"python docs/gen_example_figures.py {name}")
    assert "| source figure | source | model (95 % CI) |" in rendered
    if name == "wigan":
        assert "| 57 % |" in rendered
