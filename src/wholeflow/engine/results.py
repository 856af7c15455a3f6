"""Results of a simulation: KPIs and the shared tables, for one or many replications.

Tables are built on first use and cached: a run of many replications only pays for the tables
someone looks at. KPIs are cheap (numpy over the raw records) and always available.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from wholeflow.engine import frames
from wholeflow.engine.compile import CompiledModel
from wholeflow.engine.kpis import replication_kpis
from wholeflow.engine.replication import Replication

if TYPE_CHECKING:  # pragma: no cover
    from wholeflow.model.schema import Model


def summarise(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd and a t confidence interval per service and metric, across replications."""
    # scipy.special, not scipy.stats: the same quantile (stats.t.ppf calls stdtrit) without a
    # second of imports
    from scipy.special import stdtrit

    grouped = kpis.groupby(["service", "metric"], sort=False)["value"]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    n = out["n"].to_numpy()
    t = stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
    with np.errstate(invalid="ignore"):
        half = np.where(n > 1, t * out["sd"].to_numpy() / np.sqrt(np.maximum(n, 1)), np.nan)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[["service", "metric", "mean", "sd", "ci_low", "ci_high", "n"]]


class Results:
    """What a simulation produced.

    Attributes are pandas DataFrames with the columns documented in :mod:`wholeflow.tables`:
    ``kpis`` (long form: replication, service, metric, value), ``stays``, ``referrals``,
    ``delays``, ``journeys`` and ``daily``. ``summary()`` gives the mean and 95 % confidence
    interval of every KPI across replications.
    """

    def __init__(self, model: Model, compiled: CompiledModel,
                 replications: list[Replication], scenario: str | None = None):
        self.model = model
        self.compiled = compiled
        self.replications = sorted(replications, key=lambda r: r.replication)
        self.scenario = scenario

    def __repr__(self) -> str:
        name = self.scenario or "baseline"
        return (f"<Results {self.model.name!r} {name}: {len(self.replications)} replications, "
                f"{self.events:,} events>")

    @property
    def events(self) -> int:
        """Events processed, over all replications."""
        return sum(r.events for r in self.replications)

    @cached_property
    def kpis(self) -> pd.DataFrame:
        parts = []
        for r in self.replications:
            services, metrics, values = replication_kpis(self.compiled, r, r.n_initial)
            parts.append(pd.DataFrame({"replication": r.replication, "service": services,
                                       "metric": metrics, "value": values}))
        return pd.concat(parts, ignore_index=True)

    def _table(self, build: Callable[[CompiledModel, Replication], pd.DataFrame]) -> pd.DataFrame:
        return pd.concat([build(self.compiled, r) for r in self.replications], ignore_index=True)

    @cached_property
    def stays(self) -> pd.DataFrame:
        return self._table(frames.stays)

    @cached_property
    def referrals(self) -> pd.DataFrame:
        return self._table(frames.referrals)

    @cached_property
    def delays(self) -> pd.DataFrame:
        return self._table(frames.delays)

    @cached_property
    def journeys(self) -> pd.DataFrame:
        return self._table(frames.journeys)

    @cached_property
    def daily(self) -> pd.DataFrame:
        return self._table(frames.daily)

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Per service and metric: mean, sd, ci_low, ci_high (t interval) and n replications."""
        return summarise(self.kpis, confidence)

    def kpi(self, metric: str, service: str = "system") -> np.ndarray:
        """One KPI's values, one per replication (in replication order)."""
        k = self.kpis
        sel = k[(k["metric"] == metric) & (k["service"] == service)]
        return sel.sort_values("replication")["value"].to_numpy()
