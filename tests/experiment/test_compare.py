"""Comparisons on common random numbers: exact zeros where nothing changed, theory covered."""

import pytest

from wholeflow.errors import ExperimentError
from wholeflow.experiment.compare import compare, compare_arms
from wholeflow.experiment.replicate import Arm
from wholeflow.experiment.variants import with_capacity

COST_KPIS = {"cost", "cost_trust"}


def _run(arms, **options):
    options.setdefault("workers", 1)
    options.setdefault("store", False)
    return compare_arms(arms, **options)


def test_a_change_that_touches_no_random_numbers_gives_exactly_zero(mmc):
    # a generous event budget changes the model (and its run id) but not one random number
    same = mmc.model_copy(update={"max_events": 10**9})
    result = _run([Arm("baseline", mmc), Arm("same", same)], replications=5)
    d = result.differences
    assert (d["difference"].dropna() == 0).all()
    assert (d["ci_low"].dropna() == 0).all() and (d["ci_high"].dropna() == 0).all()
    assert not d["clear"].any()
    assert result.runs["baseline"] != result.runs["same"]  # really simulated twice


def test_common_random_numbers_isolate_a_cost_change(mmc, models):
    data = models.mmc_data()
    data["services"]["ward"]["cost_per_day"] = 330.0
    dearer = type(mmc).model_validate(data)
    result = _run([Arm("baseline", mmc), Arm("dearer", dearer)], replications=5)
    d = result.differences.set_index(["service", "metric"])
    for (service, metric), row in d.iterrows():
        if metric in COST_KPIS:
            assert row["clear"] and row["difference"] > 0, (service, metric)
        elif row["n"] > 0:
            assert row["difference"] == 0 and row["ci_high"] == 0, (service, metric)
    # 10 % more per day: the paired interval is tight around 10 % of the baseline cost
    cost = d.loc[("ward", "cost")]
    assert cost["difference"] == pytest.approx(0.1 * cost["baseline"], rel=1e-9)


def test_an_extra_bed_changes_the_wait_as_erlang_c_says(mmc, models):
    thirteen = with_capacity(mmc, {"ward": 13})
    result = _run([Arm("baseline", mmc), Arm("13 beds", thirteen.model, thirteen.patches)],
                  replications=20)
    wait = result.differences.set_index(["service", "metric"]).loc[("ward", "mean_wait_days")]
    theory = models.erlang_c_wait(13, 10, 1) - models.erlang_c_wait(12, 10, 1)
    assert wait["ci_low"] <= theory <= wait["ci_high"]
    assert wait["clear"] and wait["ci_high"] < 0
    assert wait["verdict"].startswith("mean wait from referral to start in Ward 7 falls by")
    summary = result.summary.set_index(["scenario", "service", "metric"])
    base = summary.loc[("baseline", "ward", "mean_wait_days")]
    assert base["ci_low"] <= models.erlang_c_wait(12, 10, 1) <= base["ci_high"]


def test_precision_adds_replications_until_the_interval_is_tight_enough(mmc):
    result = _run([Arm("baseline", mmc)], replications=10, precision=0.03,
                  watch=["mean_wait_days@ward"])
    assert result.replications > 10
    (check,) = result.precision
    assert check.met and check.relative <= 0.03 and check.n == result.replications
    loose = _run([Arm("baseline", mmc)], replications=10, precision=0.5,
                 watch=["mean_wait_days@ward"])
    assert loose.replications == 10


def test_precision_stops_at_the_cap_and_says_so(mmc):
    result = _run([Arm("baseline", mmc)], replications=4, precision=0.001, max_replications=8,
                  watch=["mean_wait_days@ward"])
    assert result.replications == 8
    assert any("not the ±0.1% asked for" in n for n in result.notes)


def test_warm_up_is_reported_overridden_or_chosen_by_mser5(models):
    # 150 people queue at day 0 for 12 beds that clear 2 a day: a transient of about 75 days
    data = models.mmc_data(warm_up_days=0)
    data["initial_state"] = {"ward": {"occupancy": 12, "queue": 150}}
    backlog = type(models.mmc()).model_validate(data)
    reported = _run([Arm("baseline", backlog)], replications=5)
    assert reported.warm_up.used_days == 0
    assert reported.warm_up.longer_needed and reported.warm_up.suggested_days >= 50
    chosen = _run([Arm("baseline", backlog)], replications=5, warm_up="auto")
    assert chosen.model.warm_up_days >= 50
    assert any("warm-up chosen by MSER-5" in n for n in chosen.notes)
    assert not chosen.warm_up.longer_needed
    fixed = _run([Arm("baseline", backlog)], replications=5, warm_up=120)
    assert fixed.model.warm_up_days == 120


def test_results_are_kept_in_the_model_workspace_and_reused(workspace):
    first = compare(workspace, [], replications=4, workers=1)
    assert first.simulated == 4
    assert (workspace / ".wholeflow" / "runs" / first.runs["baseline"] / "manifest.json").exists()
    again = compare(workspace, [], replications=4, workers=1)
    assert again.simulated == 0
    assert again.kpis.equals(first.kpis)


def test_bad_requests_are_clear_errors(mmc):
    with pytest.raises(ExperimentError, match=r'no scenario "weekends".*scenarios are none'):
        compare(mmc, ["weekends"], workers=1, store=False)
    with pytest.raises(ExperimentError, match="at least 2"):
        _run([Arm("baseline", mmc)], replications=1)
    with pytest.raises(ExperimentError, match="precision is a share"):
        _run([Arm("baseline", mmc)], precision=5)
    with pytest.raises(ExperimentError, match='"auto"'):
        _run([Arm("baseline", mmc)], warm_up="soon")
    with pytest.raises(ExperimentError, match='did you mean "delayed_days"'):
        _run([Arm("baseline", mmc)], precision=0.1, watch=["delayed_dayz"])


def test_an_unreachable_cluster_loses_nothing(workspace):
    kept = compare(workspace, [], replications=3, workers=1)
    with pytest.raises(ExperimentError, match="cannot reach a Dask scheduler"):
        compare(workspace, [], replications=6, cluster="tcp://127.0.0.1:9")
    again = compare(workspace, [], replications=3, workers=1)
    assert again.simulated == 0 and again.kpis.equals(kept.kpis)


def test_named_scenarios_compare_on_common_random_numbers(scenario_workspace, models):
    import wholeflow

    result = wholeflow.compare(scenario_workspace, replications=10, workers=1)
    assert result.scenarios == ["extra_bed", "same"]
    same = result.differences[result.differences["scenario"] == "same"]
    assert (same["difference"].dropna() == 0).all() and not same["clear"].any()
    assert result.runs["same"] != result.runs["baseline"]
    bed = result.differences.set_index(["scenario", "service", "metric"]).loc[
        ("extra_bed", "ward", "mean_wait_days")]
    theory = models.erlang_c_wait(13, 10, 1) - models.erlang_c_wait(12, 10, 1)
    assert bed["ci_low"] <= theory <= bed["ci_high"] < 0
    manifest = (scenario_workspace / ".wholeflow" / "runs" / result.runs["extra_bed"] /
                "manifest.json").read_text()
    assert '"services.ward.capacity": 13' in manifest


def test_a_bad_patch_is_located_and_stored_runs_survive(scenario_workspace):
    from wholeflow.errors import ModelError

    kept = compare(scenario_workspace, [], replications=3, workers=1)
    (scenario_workspace / "scenarios" / "typo.yaml").write_text(
        "changes:\n  services.wrd.capacity: 13\n", encoding="utf-8")
    with pytest.raises(ModelError) as err:
        compare(scenario_workspace, ["typo"], replications=3, workers=1)
    assert "typo.yaml:2" in str(err.value) and "did you mean 'ward'" in str(err.value)
    (scenario_workspace / "scenarios" / "typo.yaml").unlink()
    again = compare(scenario_workspace, [], replications=3, workers=1)
    assert again.simulated == 0 and again.kpis.equals(kept.kpis)


def test_a_seasonal_model_is_not_judged_on_one_year_and_auto_compares_years(models):
    # winter peaks; 200 people queue at day 0 for 14 beds that clear about 4 a day
    data = models.mmc_data(capacity=14, warm_up_days=0)
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    data["arrivals"]["front_door"]["monthly_profile"] = dict(zip(
        months, [1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2], strict=True))
    data["initial_state"] = {"ward": {"occupancy": 14, "queue": 200}}
    seasonal_backlog = type(models.mmc()).model_validate(data)
    reported = _run([Arm("baseline", seasonal_backlog)], replications=3)
    assert reported.warm_up.seasonal and not reported.warm_up.longer_needed
    assert "MSER-5 not applied" in reported.warm_up.words()
    auto = _run([Arm("baseline", seasonal_backlog)], replications=3, warm_up="auto")
    # past the backlog (about 50 days), but not fooled into cutting the summer trough (day 90+)
    assert 40 <= auto.model.warm_up_days <= 90
