"""A stand-in for simulation results: tables with the shared columns, made without an engine.

People arrive (Poisson), follow the model's routes with its probabilities and lengths of stay,
never queue (unlimited places) and now and then wait a few days to move on (a delay with a
cause). Good enough to exercise every chart; not a simulation.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

CAUSES = ("triage", "closed", "no_capacity", "transfer_delay")


def fake_results(model, replications: int = 3, seed: int = 0, delay_chance: float = 0.3):
    start = pd.Timestamp(model.start_date)
    days = int(model.run_days)
    stays, journeys, referrals, delays = [], [], [], []
    classes = list(model.classes)
    for rep in range(replications):
        rng = np.random.default_rng([seed, rep])
        person = 0
        for aid, arr in model.arrivals.items():
            n = rng.poisson(arr.per_day * days)
            for t0 in np.sort(rng.uniform(0, days, n)):
                person += 1
                _journey(model, rng, rep, f"{aid}-{person}", classes[0], arr.service, t0, start,
                         stays, journeys, referrals, delays, delay_chance)
    stays_df = pd.DataFrame(stays)
    daily = _daily(model, stays_df, start, days, replications)
    kpis = _kpis(model, stays_df, pd.DataFrame(delays), pd.DataFrame(journeys), daily)
    return SimpleNamespace(model=model, stays=stays_df, journeys=pd.DataFrame(journeys),
                           referrals=pd.DataFrame(referrals), delays=pd.DataFrame(delays),
                           daily=daily, kpis=kpis)


def _journey(model, rng, rep, person, klass, service, t, start, stays, journeys, referrals,
             delays, delay_chance):
    arrived, path, assessments, cost, delayed_total, stint = t, [], 0, 0.0, 0.0, 0
    referred = t
    while service in model.services:
        stint += 1
        svc = model.services[service]
        los = float(svc.length_of_stay.sample(rng, 1)[0])
        routes = model.routes_for(service, klass)
        probs = np.array([r.probability for r in routes])
        route = routes[int(rng.choice(len(routes), p=probs / probs.sum()))]
        dest = route.to
        if dest in model.services and route.on_reject:
            acc = model.services[dest].referral.acceptance
            ok = rng.random() < acc
            referrals.append({"replication": rep, "person": person, "class": klass,
                              "from_service": service, "to_service": dest,
                              "referred": start + pd.Timedelta(days=t + los),
                              "decided": start + pd.Timedelta(days=t + los + 0.5),
                              "accepted": bool(ok)})
            if not ok:
                dest = route.on_reject
        delayed = float(rng.exponential(3.0)) if rng.random() < delay_chance else 0.0
        cause = str(rng.choice(CAUSES)) if delayed else None
        ready, end = t + los, t + los + delayed
        stays.append({
            "replication": rep, "person": person, "class": klass, "service": service,
            "stint": stint, "referred": start + pd.Timedelta(days=referred),
            "started": start + pd.Timedelta(days=t), "ready": start + pd.Timedelta(days=ready),
            "ended": start + pd.Timedelta(days=end), "destination": dest,
            "delayed_days": delayed, "delay_cause": cause,
            "delay_target": dest if delayed else None, "length_of_stay": end - t,
            "wait_days": t - referred, "assessments": svc.assessments + 1,
            "cost": svc.cost_per_day * (end - t)})
        if delayed:
            delays.append({"replication": rep, "person": person, "service": service,
                           "target": dest, "cause": cause,
                           "start": start + pd.Timedelta(days=ready),
                           "end": start + pd.Timedelta(days=end), "days": delayed})
        path.append(service)
        assessments += svc.assessments + 1
        cost += svc.cost_per_day * (end - t)
        delayed_total += delayed
        wait = float(rng.exponential(1.5)) if dest in model.services else 0.0
        referred, t, service = end, end + wait, dest
    journeys.append({
        "replication": rep, "person": person, "class": klass,
        "arrived": start + pd.Timedelta(days=arrived), "left": start + pd.Timedelta(days=t),
        "exit": service, "services": len(path), "handovers": len(path) - 1,
        "assessments": assessments, "information_breaks": max(len(path) - 2, 0),
        "length_of_stay": t - arrived, "delayed_days": delayed_total, "cost": cost,
        "path": " > ".join(path)})


def _daily(model, stays, start, days, replications):
    rows = []
    dates = pd.date_range(start, periods=days, freq="D")
    for sid, svc in model.services.items():
        cap = svc.capacity if isinstance(svc.capacity, int) else None
        part = stays[stays["service"] == sid]
        for rep in range(replications):
            p = part[part["replication"] == rep]
            s = np.searchsorted(np.sort(p["started"].to_numpy()), dates.to_numpy(), side="right")
            e = np.searchsorted(np.sort(p["ended"].to_numpy()), dates.to_numpy(), side="right")
            occ = s - e
            rows.append(pd.DataFrame({
                "replication": rep, "service": sid, "date": dates, "occupancy": occ,
                "delayed_occupancy": (occ * 0.1).round(), "queue": np.maximum(
                    occ - (cap or 10**9), 0), "capacity": cap,
                "admissions": np.diff(np.r_[0, s]), "discharges": np.diff(np.r_[0, e])}))
    return pd.concat(rows, ignore_index=True)


def _kpis(model, stays, delays, journeys, daily):
    rows = []
    for (rep, sid), p in stays.groupby(["replication", "service"]):
        d = daily[(daily["replication"] == rep) & (daily["service"] == sid)]
        cap = model.services[sid].capacity
        occ = float(d["occupancy"].mean())
        vals = {"mean_occupancy": occ, "admissions": len(p),
                "mean_length_of_stay": p["length_of_stay"].mean(),
                "p90_length_of_stay": p["length_of_stay"].quantile(0.9),
                "mean_wait_days": p["wait_days"].mean(), "delayed_days": p["delayed_days"].sum(),
                "cost": p["cost"].sum()}
        if isinstance(cap, int) and cap:
            vals["utilisation"] = occ / cap
        dd = delays[(delays["replication"] == rep) & (delays["service"] == sid)] if len(
            delays) else delays
        for cause in CAUSES:
            vals[f"delayed_days_{cause}"] = float(dd[dd["cause"] == cause]["days"].sum()) if len(
                dd) else 0.0
        rows += [{"replication": rep, "service": sid, "metric": k, "value": float(v)}
                 for k, v in vals.items()]
    for rep, j in journeys.groupby("replication"):
        vals = {"arrivals": len(j), "departures": len(j),
                "mean_system_length_of_stay": j["length_of_stay"].mean(),
                "delayed_days": j["delayed_days"].sum(), "cost": j["cost"].sum(),
                "assessments_per_journey": j["assessments"].mean(),
                "handovers_per_journey": j["handovers"].mean(),
                "information_breaks_per_journey": j["information_breaks"].mean()}
        rows += [{"replication": rep, "service": "system", "metric": k, "value": float(v)}
                 for k, v in vals.items()]
    return pd.DataFrame(rows)


def fake_comparison():
    return pd.DataFrame([
        {"scenario": "imc_weekends", "service": "acute", "metric": "delayed_days",
         "baseline_mean": 4200.0, "scenario_mean": 2560.0, "difference": -1640.0,
         "ci_low": -1720.0, "ci_high": -1560.0,
         "verdict": "delayed acute bed days fall by 1,640 a year (1,560 to 1,720)"},
        {"scenario": "imc_weekends", "service": "imc_at_home", "metric": "mean_occupancy",
         "baseline_mean": 50.0, "scenario_mean": 52.0, "difference": 2.0, "ci_low": 1.1,
         "ci_high": 2.9, "verdict": "mean occupancy rises by 2.0 (1.1 to 2.9)"},
        {"scenario": "trusted_assessor", "service": "system",
         "metric": "mean_system_length_of_stay", "baseline_mean": 30.0, "scenario_mean": 26.8,
         "difference": -3.2, "ci_low": -3.6, "ci_high": -2.8,
         "verdict": "system length of stay falls by 3.2 days (2.8 to 3.6)"},
        {"scenario": "trusted_assessor", "service": "darley_court", "metric": "cost",
         "baseline_mean": 100000.0, "scenario_mean": 100500.0, "difference": 500.0,
         "ci_low": -800.0, "ci_high": 1800.0, "verdict": "no clear difference"},
    ])


def fake_sensitivity():
    return pd.DataFrame([
        {"parameter": "arrivals.acute_discharges.per_day", "metric": "delayed_days",
         "low_change": -900.0, "high_change": 1300.0, "low_ci_low": -1000.0,
         "low_ci_high": -800.0, "high_ci_low": 1150.0, "high_ci_high": 1450.0},
        {"parameter": "services.darley_court.capacity", "metric": "delayed_days",
         "low_change": 700.0, "high_change": -500.0, "low_ci_low": 600.0, "low_ci_high": 800.0,
         "high_ci_low": -600.0, "high_ci_high": -400.0},
        {"parameter": "services.imc_at_home.length_of_stay.mean", "metric": "delayed_days",
         "low_change": -200.0, "high_change": 260.0},
    ])
