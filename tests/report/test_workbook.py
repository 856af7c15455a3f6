"""The Excel workbook reopens with the same numbers, formatted and without formulas."""

import openpyxl
import pandas as pd
import pytest

from wholeflow.report import parse_findings, write_workbook
from wholeflow.report.sections import kpi_summary


def sheet_frame(ws):
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def book(tmp_path_factory, small_results, small_model):
    from report_fakes import fake_comparison

    findings = parse_findings(
        "- {arrow: people, kind: niggle, source: staff, text: '=SUM(A1:A9) is not a formula'}\n",
        "f.yaml", small_model)
    path = tmp_path_factory.mktemp("book") / "out.xlsx"
    diagnostics = {"referrals": pd.DataFrame({"service": ["rehab", "acute"],
                                              "referrals": [3, 250]})}
    write_workbook(path, small_results.model, small_results, comparison=fake_comparison(),
                   diagnostics=diagnostics, findings=findings)
    return openpyxl.load_workbook(path)


def test_one_sheet_per_table(book):
    assert book.sheetnames == ["About", "KPIs", "KPIs by replication", "Comparison",
                               "Data Referrals", "Findings", "Services", "Routes"]


def test_kpis_hold_the_same_numbers(book, small_results):
    got = sheet_frame(book["KPIs"])
    want = kpi_summary(small_results)
    assert list(got.columns[:3]) == ["Service", "Metric", "Mean"]
    assert got["Mean"].tolist() == pytest.approx(want["mean"].tolist())
    assert got["CI low"].tolist() == pytest.approx(want["ci_low"].tolist())
    raw = sheet_frame(book["KPIs by replication"])
    assert raw["Value"].sum() == pytest.approx(small_results.kpis["value"].sum())


def test_headers_are_formatted_and_frozen(book):
    ws = book["Comparison"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold and ws["A1"].fill.start_color.rgb.endswith("003087")
    assert ws["F2"].number_format == "#,##0.00"
    assert ws.column_dimensions["I"].width > 20  # the verdict column is wide enough to read


def test_no_cell_is_a_formula(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    texts = [c.value for c in book["Findings"]["E"]]
    assert "=SUM(A1:A9) is not a formula" in texts


def test_small_counts_are_suppressed_with_imported_data(book):
    assert [c.value for c in book["Data Referrals"]["B"]][1:] == ["<8", 250]
    assert "on: counts 1 to 7 shown as <8" in [c.value for c in book["About"]["B"]]


def test_spc_points_of_a_count_measure_are_suppressed(tmp_path, small_model):
    from types import SimpleNamespace

    points = pd.DataFrame({"date": pd.date_range("2025-01-06", periods=3, freq="W"),
                           "value": [3.0, 12.0, 0.0], "centre": [5.0, 5.0, 5.0]})
    path = write_workbook(tmp_path / "m.xlsx", small_model,
                          measures={"Breaches": SimpleNamespace(points=points)},
                          suppress_small_numbers=True)
    ws = openpyxl.load_workbook(path)["SPC Breaches"]
    assert [c.value for c in ws["B"]][1:] == ["<8", 12, 0]
    assert [c.value for c in ws["C"]][1:] == [5, 5, 5]  # limits are not counts
