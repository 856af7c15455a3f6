"""Calibration checks every fit against its data, falls back when one disagrees, and says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wholeflow.data.calibration import fit_check
from wholeflow.data.calibration.calibrate import calibrate
from wholeflow.data.calibration.fit import fit_durations
from wholeflow.data.storage.importer import import_events

EXTRACT_END = pd.Timestamp("2024-07-01 00:00")


def _emergency_log(seed: int = 3) -> tuple[pd.DataFrame, float]:
    """200 emergency stays of hours; 130 more with no end event, started 100 to 570 days
    before the end of the extract (as in the real log of the issue); the closed stays'
    mean length of stay in days."""
    rng = np.random.default_rng(seed)
    rows = []
    starts = EXTRACT_END - pd.to_timedelta(rng.uniform(1, 180, 200), unit="D")
    hours = rng.lognormal(np.log(5.0), 0.6, 200)
    for k, (start, h) in enumerate(zip(starts, hours, strict=True)):
        end = start + pd.Timedelta(hours=float(h))
        rows += [(f"c{k}", "ED", "start", start), (f"c{k}", "ED", "end", end)]
    for k, ago in enumerate(rng.uniform(100, 570, 130)):
        rows.append((f"o{k}", "ED", "start", EXTRACT_END - pd.Timedelta(days=float(ago))))
    rows.append(("last", "ED", "start", EXTRACT_END - pd.Timedelta(hours=2)))
    rows.append(("last", "ED", "end", EXTRACT_END))
    log = pd.DataFrame(rows, columns=["person", "service", "event", "timestamp"])
    closed = np.r_[hours / 24, 2 / 24]
    return log, float(closed.mean())


@pytest.fixture
def emergency(tmp_path):
    log, mean = _emergency_log()
    path = tmp_path / "ed.parquet"
    log.to_parquet(path)
    return path, mean


def test_missing_ends_do_not_reach_the_fit(emergency, tmp_path):
    path, closed_mean = emergency
    report = import_events(path, tmp_path / "ws")
    assert report.missing_ends == {"ED": 130}  # all open 100+ days: beyond 1 day
    cal = calibrate(tmp_path / "ws")
    los = cal.model.services["ed"].length_of_stay.mean()
    assert los == pytest.approx(closed_mean, rel=0.2)
    (row,) = cal.verdicts[cal.verdicts["quantity"] == "length_of_stay"].to_dict("records")
    assert row["verdict"] in ("ok", "check")
    assert "checked, ok" in cal.yaml or "CHECK:" in cal.yaml


def test_open_stays_kept_as_censored_are_refused_and_the_fallback_is_said(emergency,
                                                                         tmp_path):
    path, closed_mean = emergency
    # a limit beyond every open stay: they are all taken as still open (censored)
    report = import_events(path, tmp_path / "ws", max_open_days=1000)
    assert report.missing_ends == {}
    cal = calibrate(tmp_path / "ws")
    los = cal.model.services["ed"].length_of_stay
    # every family disagrees with the completed stays (the open ones drag them to months):
    # the empirical distribution of the completed stays is written, and the YAML says why
    assert los.dist == "empirical"
    assert los.mean() == pytest.approx(closed_mean, rel=0.2)
    assert "no family agrees with the data" in cal.yaml and "refused" in cal.yaml
    (row,) = cal.verdicts[cal.verdicts["quantity"] == "length_of_stay"].to_dict("records")
    assert row["family"] == "empirical" and "refused" in row["reason"]
    chosen = cal.fits[cal.fits["chosen"] & (cal.fits["quantity"] == "length_of_stay")]
    assert chosen["family"].tolist() == ["empirical"]


def test_a_fit_that_matches_is_ok_and_a_two_humped_one_is_refused():
    rng = np.random.default_rng(1)
    days = rng.lognormal(np.log(5), 0.5, 2000)
    none = np.zeros(len(days), bool)
    seen = fit_check.observed(days, none)
    best = fit_durations(days, none)[0]
    assert best.family == "lognormal" and fit_check.check(best, seen).verdict == "ok"
    # two humps, an hour and a month: no family has such a shape
    humps = np.r_[rng.uniform(0.05, 0.2, 300), rng.uniform(20, 30, 300)]
    none = np.zeros(len(humps), bool)
    seen = fit_check.observed(humps, none)
    verdicts = {f.family: fit_check.check(f, seen) for f in fit_durations(humps, none)}
    assert {v.verdict for v in verdicts.values()} == {"refused"}
    assert "KS distance" in verdicts["exponential"].reason
    empirical = fit_check.empirical(humps, none)
    assert empirical is not None
    quantiles = empirical["quantiles"]
    assert isinstance(quantiles, dict) and quantiles[0.0] == pytest.approx(humps.min(),
                                                                          rel=1e-3)


def test_heavily_censored_data_compare_median_and_p90_by_kaplan_meier():
    days = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    censored = np.array([False] * 6 + [True] * 4)
    seen = fit_check.observed(days, censored)
    # 4 of 10 open (> 5 %): no mean; the Kaplan-Meier CDF reaches 0.5 at day 5 (each of the
    # first six takes a tenth), and never reaches 0.9 (the last four are open)
    assert np.isnan(seen.mean) and seen.median == 5.0 and np.isnan(seen.p90)
    assert "Kaplan-Meier" in seen.note
