"""Scenario forms: what they write is a valid scenario file the CLI reads; problems are shown
next to their field; scenarios written in the model file are never rewritten."""

from __future__ import annotations

import re

import yaml

from wholeflow.model import apply_scenario, load_model


def field_error(html: str, field_id: str) -> str:
    m = re.search(rf'id="{field_id}-error"><span class="nhsuk-u-visually-hidden">Error:</span>'
                  r"([^<]*)", html)
    return m.group(1).strip() if m else ""


def test_list_shows_every_scenario_with_run_and_copy(client):
    r = client.get("/scenarios")
    assert r.status_code == 200
    for name in ("imc_weekends", "trusted_assessor", "direct_referrals"):
        assert f'action="/scenarios/{name}/run"' in r.text
        assert f'action="/scenarios/{name}/copy"' in r.text


def test_create_writes_only_the_changes(client, demo_workspace):
    r = client.form("/scenarios/new", {
        "name": "imc_every_day", "description": "IMC@Home takes referrals every day",
        "services.imc_at_home.referral.calendar": "seven_day",
        "services.darley_court.length_of_stay": "26",
        "services.acute.capacity": "205",  # unchanged: not written
    })
    assert r.status_code == 303
    text = (demo_workspace / "scenarios" / "imc_every_day.yaml").read_text()
    data = yaml.safe_load(text)
    assert set(data["changes"]) == {"services.imc_at_home.referral.calendar",
                                    "services.darley_court.length_of_stay"}
    los = data["changes"]["services.darley_court.length_of_stay"]
    assert los["dist"] == "gamma" and los["mean"] == 26.0
    model = load_model(demo_workspace)  # the CLI sees the same scenario
    patched = apply_scenario(model, "imc_every_day")
    assert patched.services["imc_at_home"].referral.calendar == "seven_day"
    assert patched.services["darley_court"].length_of_stay.mean() == 26.0
    base = model.services["darley_court"].length_of_stay
    base_cv = base.sd / base.mean()  # the form keeps the shape: the same coefficient of variation
    assert abs(patched.services["darley_court"].length_of_stay.sd / 26.0 - base_cv) < 1e-3


def test_bad_values_are_shown_next_to_their_fields(client, demo_workspace):
    r = client.form("/scenarios/new", {
        "name": "bad", "services.acute.capacity": "-2",
        "services.imc_at_home.referral.acceptance": "150",
        "arrivals.acute_admissions.per_day": "lots"})
    assert r.status_code == 422
    assert "whole number" in field_error(r.text, "f-services-acute-capacity")
    assert "0 to 100" in field_error(r.text, "f-services-imc_at_home-referral-acceptance")
    assert "number" in field_error(r.text, "f-arrivals-acute_admissions-per_day")
    assert 'href="#f-services-acute-capacity"' in r.text  # the summary links to the field
    assert not (demo_workspace / "scenarios" / "bad.yaml").exists()


def test_model_problems_of_the_patch_are_located_at_the_field(client, demo_workspace):
    r = client.form("/scenarios/new", {"name": "bad_routes",
                                       "routes.acute.general.0.probability": "0.9"})
    assert r.status_code == 422
    assert "sum to 1" in field_error(r.text, "f-routes-acute-general-0-probability")
    assert not (demo_workspace / "scenarios" / "bad_routes.yaml").exists()


def test_bad_or_taken_names_are_refused(client):
    r = client.form("/scenarios/new", {"name": "Bad Name"})
    assert r.status_code == 422 and "lower-case letters" in r.text
    r = client.form("/scenarios/new", {"name": "imc_weekends"})
    assert r.status_code == 422 and "already used" in r.text
    r = client.form("/scenarios/new", {"name": "../../etc"})
    assert r.status_code == 422


def test_edit_updates_and_drops_values_set_back(client, demo_workspace):
    client.form("/scenarios/new", {"name": "s1",
                                   "services.imc_at_home.referral.calendar": "seven_day",
                                   "services.acute.capacity": "20"})
    r = client.get("/scenarios/s1/edit")
    assert r.status_code == 200
    assert 'value="20"' in r.text and "changed" in r.text
    r = client.form("/scenarios/s1/edit", {"description": "only IMC now",
                                           "services.imc_at_home.referral.calendar":
                                               "seven_day",
                                           "services.acute.capacity": "205"})
    assert r.status_code == 303
    data = yaml.safe_load((demo_workspace / "scenarios" / "s1.yaml").read_text())
    assert data == {"description": "only IMC now",
                    "changes": {"services.imc_at_home.referral.calendar": "seven_day"}}


def test_scenarios_in_the_model_file_are_read_only_and_copied(client, demo_workspace):
    before = (demo_workspace / "wholeflow.yaml").read_text()
    r = client.get("/scenarios/trusted_assessor/edit")
    assert r.status_code == 200 and "Copy to edit" in r.text
    assert client.form("/scenarios/trusted_assessor/edit", {}).status_code == 404
    r = client.form("/scenarios/trusted_assessor/copy", {"new_name": "ta2"})
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/ta2/edit"
    model = load_model(demo_workspace)
    assert model.scenarios["ta2"].changes == model.scenarios["trusted_assessor"].changes
    assert (demo_workspace / "wholeflow.yaml").read_text() == before
    assert client.get("/scenarios/ta2/edit").status_code == 200
    r = client.form("/scenarios/trusted_assessor/copy", {"new_name": "ta2"})
    assert r.status_code == 422


def test_unknown_scenario_is_a_404(client):
    for path in ("/scenarios/nope/edit",):
        r = client.get(path)
        assert r.status_code == 404 and "There is no scenario &#39;nope&#39;" in r.text
    assert client.form("/scenarios/nope/run", {}).status_code == 404
    assert client.form("/scenarios/nope/copy", {"new_name": "x"}).status_code == 404


def test_broken_model_gives_located_422_not_a_crash(client, demo_workspace):
    model = demo_workspace / "wholeflow.yaml"
    model.write_text(model.read_text().replace("capacity: 17", "capacity: many", 1))
    assert client.get("/scenarios").status_code == 200  # the list page shows the problems
    r = client.get("/scenarios/new")
    assert r.status_code == 422
    assert "wholeflow.yaml" in r.text and "capacity" in r.text
    assert "Traceback" not in r.text
    assert client.form("/scenarios/imc_weekends/run", {}).status_code == 422


def test_malformed_replications_are_refused(client):
    r = client.form("/scenarios/imc_weekends/run", {"replications": "ten"})
    assert r.status_code == 422 and "whole number" in r.text
    r = client.form("/scenarios/imc_weekends/run", {"replications": "1"})
    assert r.status_code == 422
