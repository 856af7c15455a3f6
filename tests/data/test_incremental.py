"""An import pairs only the people it touches, and gives the same store as a fresh import.

Monthly extracts of one log (cut at random times) imported one after another must give the
same shared tables, row for row, as importing them all at once into a fresh store with the
same secret (so the same pseudonyms).
"""

from __future__ import annotations

import shutil

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from wholeflow.data.checking.pseudonymise import secret_path
from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store
from wholeflow.data.synthetic.logs import event_log, sample_tables

TABLES = ("stays", "referrals", "delays", "journeys", "daily", "open_limits")


def _log(known, seed: int) -> pd.DataFrame:
    stays, referrals = sample_tables(known.model(45), seed=seed)
    return event_log(stays, referrals, until=pd.Timestamp("2024-02-10"))


def _extracts(log: pd.DataFrame, cuts: list[float], folder) -> list:
    times = log["timestamp"].sort_values().to_numpy()
    edges = sorted({pd.Timestamp(times[int(c * (len(times) - 1))]) for c in cuts})
    paths, low = [], None
    for k, high in enumerate([*edges, None]):
        part = log[((log["timestamp"] > low) if low is not None else True)
                   & ((log["timestamp"] <= high) if high is not None else True)]
        low = high
        if len(part):
            path = folder / f"extract{k}.parquet"
            part.to_parquet(path)
            paths.append(path)
    return paths


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def _same_store(a: Store, b: Store) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(_sorted(a.read(table)), _sorted(b.read(table)),
                                      check_exact=True, obj=table)
    assert a.quarantine()["reason"].value_counts().to_dict() == \
        b.quarantine()["reason"].value_counts().to_dict()


def _fresh(paths, folder, secret_from) -> Store:
    fresh = folder / "fresh"
    secret_path(fresh).parent.mkdir(parents=True)
    shutil.copy(secret_path(secret_from), secret_path(fresh))
    import_events(paths, fresh)
    return Store(fresh)


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000),
       cuts=st.lists(st.floats(0.05, 0.95), min_size=1, max_size=3))
def test_extracts_imported_one_by_one_equal_a_fresh_import(known, tmp_path_factory, seed, cuts):
    folder = tmp_path_factory.mktemp("inc")
    paths = _extracts(_log(known, seed), cuts, folder)
    ws = folder / "ws"
    for path in paths:
        report = import_events(path, ws)
        assert report.rows_in == report.rows_loaded + report.rows_quarantined
    _same_store(Store(ws), _fresh(paths, folder, ws))


def test_a_replaced_extract_and_a_late_discharge_equal_a_fresh_import(known, tmp_path):
    log = _log(known, 11)
    paths = _extracts(log, [0.5], tmp_path)
    ws = tmp_path / "ws"
    for path in paths:
        import_events(path, ws)
    # the second extract again (replace), then a late discharge for a stay still open
    import_events(paths[1], ws, replace=True)
    stays = Store(ws).read("stays")
    open_one = stays[stays["ended"].isna()].iloc[0]
    late = pd.DataFrame({"person": ["?"], "service": [open_one["service"]], "event": ["end"],
                         "timestamp": [pd.Timestamp("2024-03-01")], "destination": ["home"],
                         "class": [open_one["class"]]})
    # the raw identifier of that person: the one whose pseudonym it is
    from wholeflow.data.checking.pseudonymise import pseudonym, workspace_secret

    key = workspace_secret(ws)
    raw = next(p for p in log["person"].unique() if pseudonym(key, p) == open_one["person"])
    late["person"] = raw
    late_path = tmp_path / "late.parquet"
    late.to_parquet(late_path)
    report = import_events(late_path, ws)
    assert report.rows_loaded == 1
    closed = Store(ws).read("stays")
    assert closed.loc[closed["person"] == open_one["person"], "ended"].notna().any()
    _same_store(Store(ws), _fresh([*paths, late_path], tmp_path, ws))


def test_an_import_pairs_only_the_people_it_touches(known, tmp_path, monkeypatch):
    from wholeflow.data.storage import importer
    log = _log(known, 5)
    paths = _extracts(log, [0.9], tmp_path)
    ws = tmp_path / "ws"
    import_events(paths[0], ws)
    seen: list[int] = []
    real = importer.read_events

    def counting(con):
        events = real(con)
        seen.append(len(events["person"]))
        return events

    monkeypatch.setattr(importer, "read_events", counting)
    import_events(paths[1], ws)
    stored = len(Store(ws).read("events"))
    # far fewer than every stored event: the new ones, and those of people touched by them
    # or still open
    assert seen and seen[0] < 0.6 * stored


def test_a_store_from_an_older_version_is_rebuilt_in_full_once(known, tmp_path):
    import duckdb

    log = _log(known, 7)
    paths = _extracts(log, [0.5], tmp_path)
    ws = tmp_path / "ws"
    import_events(paths[0], ws)
    with duckdb.connect(str(Store(ws).path)) as con:  # as an older wholeflow left it
        con.execute("DROP TABLE open_people")
        con.execute("ALTER TABLE stays DROP COLUMN end_missing")
    import_events(paths[1], ws)
    _same_store(Store(ws), _fresh(paths, tmp_path, ws))
