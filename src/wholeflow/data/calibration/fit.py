"""Fitting duration distributions by maximum likelihood, honest about censoring.

A stay still open at the end of an extract is not a short stay: it lasted *at least* until then.
Such right-censored values enter the likelihood through the survival function, so they pull the
fit the right way instead of being dropped. Durations of zero (same-time start and end, or
date-only data) are treated as "at most ``resolution``" (left-censored), since a length of stay
is never exactly zero and most families have no density there.

Families: exponential, gamma, lognormal and Weibull (scipy's ``expon``, ``gamma``, ``lognorm``,
``weibull_min`` with location fixed at 0), ranked by AIC. The goodness-of-fit figure is the
Kolmogorov-Smirnov distance between the fitted distribution and the Kaplan-Meier estimate (which
is the empirical distribution when nothing is censored): the largest gap between the two
cumulative curves, 0 for a perfect fit.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

FAMILIES: tuple[str, ...] = ("exponential", "gamma", "lognormal", "weibull")
_SCIPY = {"exponential": stats.expon, "gamma": stats.gamma, "lognormal": stats.lognorm,
          "weibull": stats.weibull_min}
_N_PARAMS = {"exponential": 1, "gamma": 2, "lognormal": 2, "weibull": 2}
#: Fits use at most this many observations (a seeded random sample beyond it).
MAX_FIT_N = 20_000


@dataclass(frozen=True)
class Fit:
    """One family fitted to durations: parameters, likelihood, AIC and goodness of fit."""

    family: str
    params: tuple[float, ...]
    """scipy's parameters (shape(s), loc, scale)."""
    log_likelihood: float
    aic: float
    ks_distance: float
    n: int
    """Observations fitted (after any sampling)."""
    n_censored: int
    mean: float
    sd: float

    def frozen(self) -> stats.rv_continuous:
        """The fitted distribution, as scipy's frozen distribution."""
        return _SCIPY[self.family](*self.params)

    def aic_for(self, total: int) -> float:
        """AIC as if all ``total`` observations had been fitted (the fit may use a sample)."""
        return 2 * _N_PARAMS[self.family] - 2 * self.log_likelihood * total / self.n

    def distribution(self) -> dict[str, float | str]:
        """The fit as a model distribution (``{dist: lognormal, mean: .., sd: ..}``)."""
        if self.family == "exponential":
            return {"dist": "exponential", "mean": _round(self.mean)}
        if self.family == "weibull":
            shape, _, scale = self.params
            return {"dist": "weibull", "shape": _round(shape), "scale": _round(scale)}
        return {"dist": self.family, "mean": _round(self.mean), "sd": _round(self.sd)}


def _round(value: float, digits: int = 4) -> float:
    """Round to ``digits`` significant digits (enough for days, readable in YAML)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def fit_durations(days: Sequence[float] | np.ndarray, censored: Sequence[bool] | np.ndarray |
                  None = None, families: Sequence[str] = FAMILIES,
                  resolution: float | None = None, max_n: int = MAX_FIT_N,
                  seed: int = 0) -> list[Fit]:
    """Fit each family to ``days`` (``censored[i]``: only known to be at least ``days[i]``).

    Returns the fits ranked by AIC, best first. Families that fail to converge are left out.
    """
    values = np.asarray(days, dtype=float)
    flags = (np.zeros(len(values), bool) if censored is None
             else np.asarray(censored, dtype=bool))
    keep = np.isfinite(values)
    values, flags = np.maximum(values[keep], 0.0), flags[keep]
    if len(values) > max_n:
        pick = np.random.default_rng(seed).choice(len(values), max_n, replace=False)
        values, flags = values[pick], flags[pick]
    if not (~flags).any() or not (values[~flags] > 0).any():
        return []
    observed = _Observed.of(values, flags, resolution)
    unknown = set(families) - set(_SCIPY)
    if unknown:
        raise ValueError(f"unknown families {sorted(unknown)}; known: {', '.join(_SCIPY)}")
    fits = [f for f in (_fit_one(name, observed, values, flags) for name in families) if f]
    return sorted(fits, key=lambda f: f.aic)


@dataclass(frozen=True)
class _Observed:
    """Durations split by what is known: exact, at most (left), at least (right)."""

    exact: np.ndarray
    at_most: np.ndarray
    at_least: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, flags: np.ndarray, resolution: float | None) -> _Observed:
        positive = values[values > 0]
        tiny = resolution if resolution is not None else max(float(positive.min()) / 2, 1e-6)
        zero = values <= 0
        return cls(exact=values[~flags & ~zero],
                   at_most=np.full(int((~flags & zero).sum()), tiny),
                   at_least=np.maximum(values[flags & ~zero], tiny))

    def censored_data(self) -> stats.CensoredData:
        return stats.CensoredData(uncensored=self.exact, left=self.at_most, right=self.at_least)

    def log_likelihood(self, frozen: stats.rv_continuous) -> float:
        return float(frozen.logpdf(self.exact).sum() + frozen.logcdf(self.at_most).sum()
                     + frozen.logsf(self.at_least).sum())


def _fit_one(name: str, observed: _Observed, values: np.ndarray,
             flags: np.ndarray) -> Fit | None:
    dist = _SCIPY[name]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            params = dist.fit(observed.censored_data(), floc=0)
        except (ValueError, RuntimeError, FloatingPointError):
            return None
        frozen = dist(*params)
        loglik = observed.log_likelihood(frozen)
    if not (math.isfinite(loglik) and math.isfinite(frozen.mean()) and frozen.std() > 0):
        return None
    return Fit(
        family=name, params=tuple(float(p) for p in params), log_likelihood=loglik,
        aic=2 * _N_PARAMS[name] - 2 * loglik, ks_distance=_ks_distance(frozen, values, flags),
        n=len(values), n_censored=int(flags.sum()), mean=float(frozen.mean()),
        sd=float(frozen.std()),
    )


def _ks_distance(frozen: stats.rv_continuous, values: np.ndarray, flags: np.ndarray) -> float:
    """Largest gap between the fitted CDF and the Kaplan-Meier (empirical) CDF."""
    if flags.any():
        km = stats.ecdf(stats.CensoredData(uncensored=values[~flags], right=values[flags]))
    else:
        km = stats.ecdf(values)
    times, after = km.cdf.quantiles, km.cdf.probabilities
    before = np.concatenate([[0.0], after[:-1]])
    fitted = frozen.cdf(times)
    return float(max(np.max(np.abs(fitted - after)), np.max(np.abs(fitted - before))))
