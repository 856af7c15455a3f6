"""The importer's journeys (worked out from the linked episodes) match those grouped in SQL
from the stays, as sources other than the importer get them."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from wholeflow.data.episodes.journeys import build_journeys
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.data.synthetic.logs import event_log, sample_tables

OPEN_AND_ODD = """person,service,event,timestamp,destination,class
x1,acute,start,2024-03-01 10:00,,
x1,acute,ready,2024-03-03 10:00,,
x2,acute,start,2024-03-01 11:00,,
x2,acute,end,2024-03-02 11:00,,
x2,imc,start,2024-03-02 12:00,,frail
x2,imc,ready,2024-03-05 11:00,,frail
x2,imc,end,2024-03-09 11:00,care_home,frail
"""


def _grouped_in_sql(store: Store) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute(f"ATTACH '{store.path}' AS s (READ_ONLY)")
    con.execute("CREATE TABLE stays AS SELECT * FROM s.stays")
    build_journeys(con)
    return con.execute("SELECT * FROM journeys").df()


def test_journeys_match_those_grouped_from_the_stays(workspace, known):
    stays, referrals = sample_tables(known.model(120), seed=5)
    log = event_log(stays, referrals, until=pd.Timestamp("2024-04-20"))
    halves = [log[log["timestamp"] < pd.Timestamp("2024-03-01")],
              log[log["timestamp"] >= pd.Timestamp("2024-03-01")]]
    for k, half in enumerate(halves):  # the second import pairs with the stored events
        half.to_parquet(workspace / f"log{k}.parquet")
        import_events(workspace / f"log{k}.parquet", workspace)
    # an open stint with a ready time; a journey whose first stint has no class
    (workspace / "odd.csv").write_text(OPEN_AND_ODD)
    # (x1 is open 50 days at the end, beyond the acute open limit: keep it open)
    import_events(workspace / "odd.csv", workspace, max_open_days=365)
    store = Store(workspace)
    ours = store.read("journeys")
    theirs = _grouped_in_sql(store)
    assert len(ours) > 500 and ours["left"].isna().any() and (ours["delayed_days"] > 0).any()
    assert list(ours.columns) == list(theirs.columns)
    assert dict(ours.dtypes) == dict(theirs.dtypes)
    key = ["person", "journey"]
    ours = ours.sort_values(key).reset_index(drop=True)
    theirs = theirs.sort_values(key).reset_index(drop=True)
    for column in ours.columns:
        a, b = ours[column], theirs[column]
        if a.dtype.kind == "f":
            assert np.allclose(a, b, equal_nan=True, rtol=1e-12, atol=1e-9), column
        else:
            assert a.equals(b), column
