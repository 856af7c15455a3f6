"""Length-of-stay and delay distributions, in the parameters people think in.

Users give a mean and a standard deviation (or low/high, or observed values); conversion to each
family's native parameters is ours. Every distribution can report its mean (used for sizing and
validation) and draw a vector of samples from a numpy ``Generator``. Samples are never negative.
The engine kernel never sees these objects: it receives pre-drawn arrays.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0)

    def mean(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


class Exponential(_Dist):
    """Memoryless: a constant chance per day of being ready to move on."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)


class Uniform(_Dist):
    """Equally likely anywhere between low and high."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Dist):
    """Between low and high, most often near mode: the usual 'min, likely, max' estimate."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}"
            )
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


class Normal(_Dist):
    """Normal with the given mean and sd, truncated at 0 (redrawn, so no mass piles up at 0)."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean", ge=0)
    sd: float = Field(gt=0)

    def mean(self) -> float:
        # Mean of the normal truncated below at 0.
        a = -self.mean_ / self.sd
        pdf = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
        tail = 0.5 * math.erfc(a / math.sqrt(2))
        return self.mean_ + self.sd * pdf / tail

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        # Inverse transform on the part of the distribution above 0: one uniform per draw, so
        # the first k of n draws equal k draws (streams stay aligned across scenarios).
        from scipy.special import ndtr, ndtri

        low = ndtr(-self.mean_ / self.sd)
        u = low + (1.0 - low) * rng.random(n)
        return np.maximum(self.mean_ + self.sd * ndtri(u), 0.0)


class Lognormal(_Dist):
    """Right-skewed, the usual shape of lengths of stay; given by its own mean and sd."""

    dist: Literal["lognormal"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    def native(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self.native()
        return rng.lognormal(mu, sigma, n)


class Gamma(_Dist):
    """Gamma given by its mean and sd (shape = (mean/sd)^2)."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean_ / self.sd) ** 2
        return rng.gamma(shape, self.mean_ / shape, n)


class Weibull(_Dist):
    """Weibull with shape k and scale lambda (shape < 1: many short stays and a long tail)."""

    dist: Literal["weibull"]
    shape: float = Field(gt=0)
    scale: float = Field(gt=0)

    def mean(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, n)


class Empirical(_Dist):
    """Observed values, resampled with equal weight; or quantiles, interpolated linearly.

    ``values: [2, 3, 3, 8, 15]`` draws one of the values. ``quantiles: {0: 1, 0.5: 6, 1: 40}``
    interpolates the inverse distribution function between the given points (0 and 1 required).
    """

    dist: Literal["empirical"]
    values: list[float] | None = None
    quantiles: dict[float, float] | None = None

    @field_validator("values")
    @classmethod
    def _values(cls, v: list[float] | None) -> list[float] | None:
        if v is not None:
            if not v:
                raise ValueError("values must not be empty")
            if min(v) < 0:
                raise ValueError("values must not be negative")
        return v

    @model_validator(mode="after")
    def _one_of(self) -> Empirical:
        if (self.values is None) == (self.quantiles is None):
            raise ValueError("give exactly one of values or quantiles")
        if self.quantiles is not None:
            ps = sorted(self.quantiles)
            xs = [self.quantiles[p] for p in ps]
            if ps[0] != 0 or ps[-1] != 1:
                raise ValueError("quantiles need the points 0 and 1 (the minimum and the maximum)")
            if any(b < a for a, b in itertools.pairwise(xs)) or xs[0] < 0:
                raise ValueError("quantile values must be non-negative and must not decrease")
        return self

    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.quantiles is not None
        ps = np.array(sorted(self.quantiles), dtype=float)
        return ps, np.array([self.quantiles[p] for p in ps], dtype=float)

    def mean(self) -> float:
        if self.values is not None:
            return float(np.mean(self.values))
        ps, xs = self._grid()
        return float(np.sum(np.diff(ps) * (xs[1:] + xs[:-1]) / 2))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.values is not None:
            return np.asarray(self.values, dtype=float)[rng.integers(0, len(self.values), n)]
        ps, xs = self._grid()
        return np.interp(rng.random(n), ps, xs)


Distribution = Annotated[
    Fixed | Exponential | Uniform | Triangular | Normal | Lognormal | Gamma | Weibull | Empirical,
    Field(discriminator="dist"),
]

FAMILIES = ("fixed", "exponential", "uniform", "triangular", "normal", "lognormal", "gamma",
            "weibull", "empirical")


def coerce_distribution(value: Any) -> Any:
    """Let people write a bare number for a fixed duration (``triage_time: 0.5``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {"dist": "fixed", "value": value}
    return value


#: Parameters of a distribution that are durations (scaled together); shapes are not.
DURATION_KEYS = ("value", "mean", "sd", "low", "mode", "high", "scale")


def scale_durations(dist: dict[str, Any], factor: float) -> dict[str, Any]:
    """A copy of a distribution (as a dict) with every duration multiplied by ``factor``:
    its duration parameters, and an empirical distribution's values or quantiles."""
    out = dict(dist)
    for key in DURATION_KEYS:
        if isinstance(out.get(key), int | float) and not isinstance(out[key], bool):
            out[key] = out[key] * factor
    if out.get("values") is not None:
        out["values"] = [v * factor for v in out["values"]]
    if out.get("quantiles") is not None:
        out["quantiles"] = {p: v * factor for p, v in out["quantiles"].items()}
    return out
