"""Read a model file (minimal first version; line-aware validation replaces it)."""

from __future__ import annotations

from pathlib import Path

import yaml

from wholeflow.model.schema import Model


def parse_model(text: str, file: str = "<model>") -> Model:
    data = yaml.safe_load(text)
    model = Model.model_validate(data)
    model._source = file
    return model


def load_model(path: str | Path) -> Model:
    p = Path(path)
    if p.is_dir():
        p = p / "wholeflow.yaml"
    return parse_model(p.read_text(encoding="utf-8"), str(p))
