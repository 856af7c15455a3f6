"""The generated reference pages match the code they describe."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs/gen_reference.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_kpi_reference_is_up_to_date():
    expected = _generator().kpis_md()
    assert (ROOT / "docs/reference/kpis.md").read_text(encoding="utf-8") == expected, \
        "run: python docs/gen_reference.py"


def test_tables_reference_is_up_to_date():
    expected = _generator().tables_md()
    assert (ROOT / "docs/reference/tables.md").read_text(encoding="utf-8") == expected, \
        "run: python docs/gen_reference.py"
