"""Calibration round trip on a sampled log with known parameters, and the YAML it writes."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from wholeflow.data.calibration.calibrate import calibrate, model_id
from wholeflow.data.storage.importer import import_events
from wholeflow.data.synthetic.logs import event_log, sample_tables
from wholeflow.model import parse_model


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, known):
    model = known.model(730)
    stays, referrals = sample_tables(model, seed=3)
    log = event_log(stays, referrals, until=pd.Timestamp("2024-01-01") + pd.Timedelta(days=730))
    ws = tmp_path_factory.mktemp("ws")
    log.to_csv(ws / "log.csv", index=False)
    report = import_events(ws / "log.csv", ws)
    assert report.rows_quarantined == 0, report.by_reason
    return model, calibrate(ws), ws


def test_routing_within_two_points(calibrated, known):
    _, cal, _ = calibrated
    for (service, klass), expected in known.routes.items():
        got = known.route_probabilities(cal.model, service, klass)
        assert set(got) == set(expected)
        for target, p in expected.items():
            assert got[target] == pytest.approx(p, abs=0.02), (service, klass, target)


def test_mean_length_of_stay_within_five_percent(calibrated, known):
    _, cal, _ = calibrated
    for (service, klass), expected in known.length_of_stay.items():
        assert known.mean_length_of_stay(cal.model, service, klass) == pytest.approx(
            expected, rel=0.05), (service, klass)


def test_arrival_rate_within_three_percent_with_profile_and_class_mix(calibrated):
    _, cal, _ = calibrated
    (arrival,) = cal.model.arrivals.values()
    assert arrival.service == "acute"
    assert arrival.per_day == pytest.approx(40, rel=0.03)
    assert arrival.weekday_profile is not None
    assert arrival.weekday_profile["mon"] == pytest.approx(1.3, rel=0.05)
    assert arrival.weekday_profile["sat"] == pytest.approx(0.7, rel=0.05)
    assert arrival.class_mix is not None
    assert arrival.class_mix["frail"] == pytest.approx(0.3, abs=0.02)


def test_acceptance_triage_and_on_reject(calibrated):
    _, cal, _ = calibrated
    community = cal.model.services["community"]
    assert community.referral.acceptance == pytest.approx(0.8, abs=0.02)
    assert community.referral.triage_time.mean() == pytest.approx(0.5, rel=0.08)
    frail = {r.to: r for r in cal.model.routes_for("acute", "frail")}
    assert frail["community"].on_reject == "care_home"
    assert cal.model.services["acute"].assessments == 2


def test_the_yaml_carries_its_evidence_and_parses_to_the_same_model(calibrated):
    _, cal, _ = calibrated
    text = cal.yaml
    assert "# Calibrated by wholeflow" in text
    assert "best by AIC; KS distance" in text and "checked, ok: mean" in text
    assert "still open (censored)" in text
    assert "completed stays" in text and "decided referrals accepted" in text
    assert parse_model(text).model_dump() == cal.model.model_dump()
    plain = yaml.safe_load(text)
    assert plain["services"]["acute"]["capacity"] > 0  # the observed peak census


def test_every_family_tried_is_reported_and_one_chosen_per_fit(calibrated):
    _, cal, _ = calibrated
    fits = cal.fits
    chosen = fits[fits["chosen"]].groupby(["service", "class", "quantity"]).size()
    assert (chosen == 1).all()
    assert set(fits["family"]) == {"exponential", "gamma", "lognormal", "weibull"}
    best = fits[fits["chosen"] & (fits["service"] == "community")
                & (fits["quantity"] == "length_of_stay") & (fits["class"] == "all")]
    assert best["family"].tolist() == ["gamma"]


def test_lengths_of_stay_and_routes_by_class_only_where_classes_differ(calibrated):
    _, cal, _ = calibrated
    assert set(cal.model.services["acute"].length_of_stay_by_class) == {"general", "frail"}
    assert cal.model.services["community"].length_of_stay_by_class == {}
    assert isinstance(cal.model.routes["acute"], dict)
    assert isinstance(cal.model.routes["community"], list)


def test_a_weekdays_only_service_gets_a_calendar(load, workspace):
    rows = ["person,service,event,timestamp"]
    days = pd.bdate_range("2024-01-01", periods=200)
    for k, day in enumerate(days):
        rows += [f"p{k},reablement,start,{day.date()} 10:00",
                 f"p{k},reablement,end,{(day + pd.Timedelta(days=3 + k % 5)).date()} 10:00"]
    load("\n".join(rows) + "\n")
    cal = calibrate(workspace)
    assert cal.model.services["reablement"].admits == "weekdays"
    assert cal.model.calendars["weekdays"].days == ["mon", "tue", "wed", "thu", "fri"]


def test_identical_lengths_of_stay_give_a_fixed_duration(load, workspace):
    rows = ["person,service,event,timestamp"]
    for k in range(30):
        rows += [f"p{k},day_unit,start,2024-01-{1 + k % 20:02d} 09:00",
                 f"p{k},day_unit,end,2024-01-{1 + k % 20:02d} 17:00"]
    load("\n".join(rows) + "\n")
    los = calibrate(workspace).model.services["day_unit"].length_of_stay
    assert los.dist == "fixed" and los.mean() == pytest.approx(8 / 24, rel=1e-3)


def test_names_become_model_ids():
    assert model_id("Darley Court") == "darley_court"
    assert model_id("4 Seasons") == "s_4_seasons"
    assert model_id("IMC@Home") == "imc_home"
