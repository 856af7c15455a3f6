"""Censoring-aware maximum likelihood: known parameters come back, open stays count."""

from __future__ import annotations

import numpy as np
import pytest

from wholeflow.data.calibration.fit import fit_durations
from wholeflow.model.distributions import Gamma, Lognormal, Weibull


def censor(values: np.ndarray, rng: np.random.Generator, horizon: float):
    """Stays starting uniformly over ``horizon`` days, observed until its end."""
    start = rng.uniform(0, horizon, len(values))
    seen = np.minimum(values, horizon - start)
    return seen, values > horizon - start


@pytest.mark.parametrize(("dist", "family"), [
    (Lognormal(dist="lognormal", mean=5.0, sd=4.0), "lognormal"),
    (Gamma(dist="gamma", mean=20.0, sd=10.0), "gamma"),
    (Weibull(dist="weibull", shape=0.8, scale=12.0), "weibull"),
])
def test_the_true_family_wins_and_the_mean_is_recovered(dist, family):
    rng = np.random.default_rng(11)
    values = dist.sample(rng, 6000)
    fits = fit_durations(values)
    assert fits[0].family == family
    assert fits[0].mean == pytest.approx(dist.mean(), rel=0.05)
    assert fits[0].ks_distance < 0.03
    assert [f.aic for f in fits] == sorted(f.aic for f in fits)


def test_censored_stays_are_counted_not_dropped():
    rng = np.random.default_rng(5)
    truth = Lognormal(dist="lognormal", mean=20.0, sd=15.0)
    seen, open_ = censor(truth.sample(rng, 8000), rng, horizon=60.0)
    assert 0.1 < open_.mean() < 0.4
    honest = fit_durations(seen, open_, families=["lognormal"])[0]
    dropped = fit_durations(seen[~open_], families=["lognormal"])[0]
    assert honest.n_censored == int(open_.sum())
    assert honest.mean == pytest.approx(20.0, rel=0.06)
    assert dropped.mean < 0.85 * 20.0  # leaving open stays out biases the mean down


def test_zero_lengths_are_taken_as_very_short_not_impossible():
    rng = np.random.default_rng(2)
    values = np.round(Gamma(dist="gamma", mean=3.0, sd=2.0).sample(rng, 3000))  # whole days
    assert (values == 0).sum() > 50
    fits = fit_durations(values, resolution=0.5)
    assert {f.family for f in fits} == {"exponential", "gamma", "lognormal", "weibull"}
    assert fits[0].mean == pytest.approx(3.0, rel=0.15)


def test_model_distributions_from_fits():
    rng = np.random.default_rng(3)
    fits = {f.family: f for f in fit_durations(rng.exponential(7.0, 4000))}
    assert fits["exponential"].distribution() == {"dist": "exponential",
                                                  "mean": pytest.approx(7.0, rel=0.05)}
    assert set(fits["weibull"].distribution()) == {"dist", "shape", "scale"}
    assert set(fits["gamma"].distribution()) == {"dist", "mean", "sd"}


def test_too_few_or_only_censored_values_give_no_fit():
    assert fit_durations([]) == []
    assert fit_durations([3.0, 4.0], [True, True]) == []
