"""Models without the four-arrows sections give, to the bit, the tables of the code before them.

The hashes below were taken on the code before ``staff:``, placements, named waits and
``cohorts:`` existed (commit 11987a1), on a frozen copy of that day's Bolton model (the shipped
example now has a workforce section) and on the reference network. A change to any stay, daily
row or KPI value, dtype or column order changes a hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from wholeflow.engine import simulate
from wholeflow.model import load_model

FROZEN_BOLTON = Path(__file__).parent / "data" / "bolton_frozen.yaml"

EXPECTED = {
    ("bolton", "stays"): "60741b1b48073b9f8718ef13",
    ("bolton", "daily"): "f8310694fd9aa7ca5adba478",
    ("bolton", "kpis"): "a0105fe5ded240ff084a6323",
    ("reference", "stays"): "952c41eb05174d7876ce6446",
    ("reference", "daily"): "a0bc53a72b3950a6de1cd228",
    ("reference", "kpis"): "57c55b6ab619e79539cea726",
}


def table_hash(frame: pd.DataFrame) -> str:
    """A digest of a table's columns, dtypes and every value (row order included)."""
    h = hashlib.sha256()
    h.update(repr(list(frame.columns)).encode())
    h.update(repr([str(t) for t in frame.dtypes]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:24]


@pytest.fixture(scope="module")
def runs():
    from wholeflow.examples.reference import reference_network

    return {
        "bolton": simulate(load_model(FROZEN_BOLTON), replications=2, seed=7),
        "reference": simulate(reference_network(1), replications=2, seed=7),
    }


@pytest.mark.parametrize(("model", "table"), sorted(EXPECTED))
def test_tables_are_bit_identical_to_the_code_before_the_four_arrows(runs, model, table):
    assert table_hash(getattr(runs[model], table)) == EXPECTED[(model, table)]
