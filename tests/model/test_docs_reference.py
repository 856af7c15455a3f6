"""docs/reference/model.md is generated from the schema and must be kept up to date."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_model_reference",
                                                  ROOT / "docs" / "gen_model_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_model_reference_is_up_to_date():
    committed = (ROOT / "docs" / "reference" / "model.md").read_text(encoding="utf-8")
    assert committed == _generator().render(), (
        "docs/reference/model.md is stale: run python docs/gen_model_reference.py")


def test_reference_documents_every_service_field():
    text = _generator().render()
    from wholeflow.model.schema import Service

    for name, field in Service.model_fields.items():
        assert f"| `{field.alias or name}` |" in text
