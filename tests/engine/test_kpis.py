"""The compiled KPI passes agree with plain numpy on the same records."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from wholeflow.engine import compile_model, run_replication
from wholeflow.engine.kpis import _grouped_quantile, journey_counts, replication_kpis
from wholeflow.examples.reference import reference_network


@given(st.lists(st.tuples(st.integers(0, 4), st.floats(0, 1e4)), max_size=60),
       st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0, 1 / 3]))
def test_grouped_quantile_equals_numpy_quantile_to_the_bit(pairs, q):
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.float64)
    got = _grouped_quantile(groups, values, 5, q)
    want = [np.quantile(values[groups == g], q) if (groups == g).any() else np.nan
            for g in range(5)]
    np.testing.assert_array_equal(got, want)



@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([0.0, 0.5, 1.0, 2.0, 7.25])),
                min_size=1, max_size=300),
       st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]))
def test_grouped_quantile_with_many_ties_equals_numpy(pairs, q):
    # the selection partitions around equal values: ties are where a quickselect goes wrong
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.float64)
    got = _grouped_quantile(groups, values, 3, q)
    want = [np.quantile(values[groups == g], q) if (groups == g).any() else np.nan
            for g in range(3)]
    np.testing.assert_array_equal(got, want)


def test_grouped_quantile_of_large_sorted_and_reversed_groups():
    values = np.concatenate([np.arange(5000.0), np.arange(5000.0)[::-1]])
    groups = np.repeat(np.array([0, 1], dtype=np.int64), 5000)
    got = _grouped_quantile(groups, values, 2, 0.9)
    np.testing.assert_array_equal(got, [np.quantile(values[:5000], 0.9)] * 2)

def test_kpis_match_a_numpy_recount_of_the_records():
    cm = compile_model(reference_network(0.5))
    rep = run_replication(cm, 5, 0)
    services, metrics, values = replication_kpis(cm, rep, rep.n_initial)
    kpi = {(s, m): v for s, m, v in zip(services, metrics, values, strict=True)}
    w0, w1 = cm.warm_up, cm.end
    st_ = rep.stints
    for s, name in enumerate(cm.services):
        mine = st_["service"] == s
        ended = st_["ended"][mine]
        started = st_["started"][mine]
        out = (ended >= w0) & (ended < w1) & ~np.isnan(started)
        los = (ended - started)[out]
        assert kpi[(name, "discharges")] == out.sum()
        assert np.isclose(kpi[(name, "mean_length_of_stay")], los.mean(), rtol=1e-12)
        assert kpi[(name, "p90_length_of_stay")] == np.quantile(los, 0.9)
        inside = np.clip(np.minimum(np.nan_to_num(ended, nan=np.inf), w1)
                         - np.maximum(np.nan_to_num(started, nan=np.inf), w0), 0, None)
        assert np.isclose(kpi[(name, "mean_occupancy")], inside.sum() / (w1 - w0), rtol=1e-12)
    # per-person handovers: consecutive started stints of one person
    _, handovers, _, count = journey_counts(cm, rep)
    started = ~np.isnan(st_["started"])
    per_person = np.bincount(st_["person"][started], minlength=len(rep.people))
    np.testing.assert_array_equal(count, per_person)
    np.testing.assert_array_equal(handovers, np.maximum(per_person - 1, 0))
