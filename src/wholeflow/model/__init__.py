"""The model: a declarative description of a health and social care system.

``load_model`` / ``parse_model`` read and validate a model (all problems at once, located by
file and line); ``apply_scenario`` gives the model with a scenario's patch applied.
"""

from wholeflow.model.build import validate_model
from wholeflow.model.loader import load_model, parse_model
from wholeflow.model.scenarios import apply_scenario, list_scenarios
from wholeflow.model.schema import Model

__all__ = ["Model", "apply_scenario", "list_scenarios", "load_model", "parse_model",
           "validate_model"]
