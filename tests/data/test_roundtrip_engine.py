"""The full round trip through the engine.

simulate a known model -> its stays and referrals as an event log -> import -> calibrate ->
routing within 0.02, mean length of stay within 5 %, arrival rate within 3 % of the truth ->
simulate the calibrated model -> its KPIs within the confidence intervals of the original's.
Diagnostics and check_fit also run on the simulation results directly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from wholeflow.data.calibration.calibrate import calibrate
from wholeflow.data.calibration.checkfit import check_fit
from wholeflow.data.diagnosis.diagnostics import diagnose
from wholeflow.data.storage.importer import import_events
from wholeflow.data.synthetic.logs import event_log
from wholeflow.engine import simulate

EXTRACT_DAYS = 1825  # five years of data to calibrate from
KPIS = ("mean_occupancy", "mean_length_of_stay")


@pytest.fixture(scope="module")
def trip(tmp_path_factory, known):
    truth = known.model(EXTRACT_DAYS)
    data = simulate(truth, replications=1, seed=21)
    end = pd.Timestamp(truth.start_date) + pd.Timedelta(days=EXTRACT_DAYS)
    log = event_log(data.stays, data.referrals, until=end)
    ws = tmp_path_factory.mktemp("trip")
    log.to_parquet(ws / "log.parquet")
    report = import_events(ws / "log.parquet", ws)
    assert report.rows_quarantined == 0, report.by_reason
    calibration = calibrate(ws, capacity="none")
    return truth, data, calibration, ws


def test_parameters_come_back(trip, known):
    truth, _, cal, _ = trip
    for (service, klass), expected in known.routes.items():
        got = known.route_probabilities(cal.model, service, klass)
        for target, p in expected.items():
            assert got[target] == pytest.approx(p, abs=0.02), (service, klass, target)
    for (service, klass), expected in known.length_of_stay.items():
        assert known.mean_length_of_stay(cal.model, service, klass) == pytest.approx(
            expected, rel=0.05), (service, klass)
    (arrival,) = cal.model.arrivals.values()
    assert arrival.per_day == pytest.approx(truth.arrivals["front_door"].per_day, rel=0.03)
    assert cal.model.services["community"].referral.acceptance == pytest.approx(0.8, abs=0.02)


def test_re_simulated_kpis_fall_within_the_original_confidence_intervals(trip, known):
    """A 95 % interval from five replications misses by chance now and then, even for a perfect
    calibration (six comparisons here), so the seeds are fixed; the data cover five times the
    simulated year, so that calibration error stays small beside the intervals."""
    _, _, cal, _ = trip
    run = {"warm_up_days": 60.0, "run_days": 365.0}
    original = simulate(known.model(365).model_copy(update=run), replications=5, seed=3)
    again = simulate(cal.model.model_copy(update=run), replications=10, seed=13)
    ci = original.summary().set_index(["service", "metric"])
    mean = again.summary().set_index(["service", "metric"])["mean"]
    for service in ("acute", "community", "imc"):
        for metric in KPIS:
            low, high = ci.loc[(service, metric), ["ci_low", "ci_high"]]
            assert low <= mean[(service, metric)] <= high, (service, metric)


def test_diagnostics_run_on_simulation_results(trip):
    _, data, _, ws = trip
    simulated = diagnose(data)
    imported = diagnose(ws)
    for table in ("occupancy", "length_of_stay", "variants"):
        assert len(simulated[table]) == len(imported[table]) > 0
    sim = simulated["length_of_stay"].set_index("service")["mean"]
    imp = imported["length_of_stay"].set_index("service")["mean"]
    assert sim.to_dict() == pytest.approx(imp.to_dict(), rel=1e-6)


def test_check_fit_reports_plausible_differences(trip):
    _, _, cal, ws = trip
    table = check_fit(ws, cal.model, replications=4, seed=5, ids=cal.ids)
    assert set(table["metric"]) == {"mean_occupancy", "mean_length_of_stay", "delayed_days"}
    occupancy = table[table["metric"] == "mean_occupancy"]
    assert occupancy["difference_pct"].abs().max() < 5
    assert occupancy["plausible"].all()
