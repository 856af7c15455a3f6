"""``check_fit``: simulate a calibrated model and set it beside the data it came from.

For each service: mean midnight occupancy, mean length of stay (start to leaving, stays that
ended in the window) and delayed days (ready to leaving, within the window), observed over the
model's collection window (``start_date + warm_up_days`` to the end of the run, as far as the data
reach), next to the simulated mean over replications. The *plausible range* is where a single
extract like this one would fall if the model were right (a 95 % prediction interval from the
replications: mean +/- t sd sqrt(1 + 1/n)); an observed value outside it is worth a look. A row
that cannot be compared (nothing observed, or nothing simulated) says why in ``note``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from wholeflow.data.calibration.calibrate import model_id
from wholeflow.data.episodes.journeys import days_sql
from wholeflow.data.storage.source import FlowData, opened
from wholeflow.model.schema import Model

METRICS = ("mean_occupancy", "mean_length_of_stay", "delayed_days")


def check_fit(source: Any, model: Model | str | Path | None = None, *, replications: int = 10,
              seed: int = 0, ids: dict[str, str] | None = None) -> pd.DataFrame:
    """Compare data with simulations of ``model`` (default: ``calibrate(source)``).

    ``ids`` maps service names in the data to model ids (a calibration's ``ids``); by default a
    name maps to itself, or to :func:`~wholeflow.data.calibration.calibrate.model_id` of it.
    """
    from wholeflow.engine.simulate import simulate

    if model is None:
        from wholeflow.data.calibration.calibrate import calibrate

        calibration = calibrate(source)
        model, ids = calibration.model, calibration.ids
    elif not isinstance(model, Model):
        from wholeflow.model import load_model

        model = load_model(model)
    day0 = pd.Timestamp(model.start_date)
    start = day0 + pd.Timedelta(days=float(model.warm_up_days))
    end = day0 + pd.Timedelta(days=float(model.end_day))
    with opened(source) as data:
        end = min(end, data.window.end)
        observed = _observed(data, start, end)
    names = {name: _model_service(name, model, ids) for name in observed["service"].unique()}
    observed["service"] = observed["service"].map(names)
    results = simulate(model, replications=replications, seed=seed)
    simulated = _simulated(results.kpis, end - start, pd.Timedelta(days=model.run_days))
    table = observed.merge(simulated, on=["service", "metric"], how="outer")
    table["difference"] = table["simulated"] - table["observed"]
    table["difference_pct"] = 100 * table["difference"] / table["observed"].replace(0, np.nan)
    table["plausible"] = (table["observed"] >= table["range_low"]) & (
        table["observed"] <= table["range_high"])
    table["note"] = [_not_compared(m, o, s) for m, o, s in zip(
        table["metric"], table["observed"], table["simulated"], strict=True)]
    order = {m: i for i, m in enumerate(METRICS)}
    table = table.sort_values(["service", "metric"], key=lambda c: c.map(order)
                              if c.name == "metric" else c)
    return table[["service", "metric", "observed", "simulated", "range_low", "range_high",
                  "difference", "difference_pct", "plausible", "note"]].reset_index(drop=True)


_NOT_OBSERVED = {
    "mean_occupancy": "no census days in the window",
    "mean_length_of_stay": "no stays ended in the window",
    "delayed_days": "no delayed days observed (no ready times)",
}


def _not_compared(metric: str, observed: float, simulated: float) -> str:
    """Why a row could not be compared ('' when it could)."""
    if pd.isna(observed):
        return _NOT_OBSERVED.get(metric, "not observed")
    if pd.isna(simulated):
        return "not simulated (no such service in the model)"
    return ""


def _model_service(name: str, model: Model, ids: dict[str, str] | None) -> str:
    if ids and name in ids:
        return ids[name]
    if name in model.services:
        return name
    return model_id(name)


def _observed(data: FlowData, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    w0, w1 = f"TIMESTAMP '{start}'", f"TIMESTAMP '{end}'"
    overlap = days_sql(f"least(coalesce(ended, {w1}), {w1})", f"greatest(ready, {w0})")
    frame = data.df(f"""
        SELECT service, 'mean_occupancy' AS metric, avg(occupancy) AS observed FROM daily
        WHERE CAST(date AS TIMESTAMP) >= {w0} AND CAST(date AS TIMESTAMP) < {w1}
        GROUP BY service
        UNION ALL
        SELECT service, 'mean_length_of_stay', avg(length_of_stay) FROM stays
        WHERE ended >= {w0} AND ended < {w1} GROUP BY service
        UNION ALL
        SELECT service, 'delayed_days', sum(greatest({overlap}, 0)) FROM stays
        WHERE ready IS NOT NULL GROUP BY service
    """)
    return frame


def _simulated(kpis: pd.DataFrame, observed_span: pd.Timedelta,
               run_span: pd.Timedelta) -> pd.DataFrame:
    mine = kpis[kpis["metric"].isin(METRICS) & (kpis["service"] != "system")].copy()
    # totals over the run scale to the (possibly shorter) observed window
    scale = observed_span / run_span if run_span > pd.Timedelta(0) else 1.0
    mine.loc[mine["metric"] == "delayed_days", "value"] *= scale
    grouped = mine.groupby(["service", "metric"])["value"]
    out = grouped.agg(simulated="mean", sd="std", n="count").reset_index()
    n = out["n"].to_numpy(float)
    t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * out["sd"].fillna(0).to_numpy() * np.sqrt(1 + 1 / n), np.nan)
    out["range_low"] = np.maximum(out["simulated"] - half, 0.0)  # none of these is negative
    out["range_high"] = out["simulated"] + half
    return out.drop(columns=["sd", "n"])
