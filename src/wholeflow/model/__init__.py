"""The model: a declarative description of a health and social care system."""

from wholeflow.model.loader import load_model, parse_model
from wholeflow.model.schema import Model

__all__ = ["Model", "load_model", "parse_model"]
