"""Random logs never crash the importer, and rows in = rows loaded + rows quarantined."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholeflow.data.storage.importer import import_events
from wholeflow.data.storage.store import Store

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                max_size=12)
_cell = {
    "person": st.one_of(st.sampled_from(["1", "2", "NA", "", " 3 "]), _text),
    "service": st.one_of(st.sampled_from(["acute", "community", ""]), _text),
    "event": st.one_of(st.sampled_from(["referral", "referral_accepted", "referral_rejected",
                                        "start", "assessment", "ready", "end", "discharged"]),
                       _text),
    "timestamp": st.one_of(
        st.datetimes().map(lambda d: d.isoformat(sep=" ")),
        st.sampled_from(["01/02/2024", "45385.5", "", "2024-02-30", "0001-01-01"]), _text),
    "destination": st.one_of(st.sampled_from(["home", "community", ""]), _text),
}
_row = st.fixed_dictionaries(_cell)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(_row, max_size=30), st.lists(_row, max_size=10))
def test_random_logs_balance(tmp_path_factory, first, second):
    workspace = tmp_path_factory.mktemp("ws")
    for k, rows in enumerate((first, second)):
        path = workspace / f"log{k}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(_cell))
            writer.writeheader()
            writer.writerows(rows)
        report = import_events(path, workspace)
        assert report.rows_in == report.rows_loaded + report.rows_quarantined
        if not report.files[0].skipped:
            assert report.rows_in == len(rows)
            assert report.rows_quarantined == sum(report.by_reason.values())
    store = Store(workspace)
    if store.exists():
        imports = store.imports()
        events = store.read("events")
        assert set(events["import_id"]) <= set(imports["import_id"])
        assert (imports["rows_in"] == imports["rows_loaded"] + imports["rows_quarantined"]).all()
