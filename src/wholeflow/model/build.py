"""Plain data to a validated :class:`Model`: schema first, then the cross-field rules.

Both the loader (data read from YAML) and scenarios (a patched copy of a model) end here. All
problems come back at once: the schema's field errors, and, when every field is well formed,
the cross-field rules of :mod:`wholeflow.model.validate` (which need a well-formed model to run).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from wholeflow.errors import ModelError, Problem
from wholeflow.model.field_errors import Locator, problems_from_validation
from wholeflow.model.ranges import check_ranges
from wholeflow.model.schema import Model
from wholeflow.model.validate import check_model


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Errors before warnings, then in file and line order (stable for equal lines)."""
    return sorted(problems, key=lambda p: (p.severity != "error", p.file or "", p.line or 0))


def build_model(data: Any, where: Locator, earlier: list[Problem] | None = None) -> Model:
    """Validate ``data`` as a model; raise :class:`ModelError` with every problem found.

    ``earlier`` are problems already found while reading (duplicate keys, bad scenario files);
    they make the model invalid too but do not stop the checks. On success the model's
    ``warnings`` are set.
    """
    problems = list(earlier or [])
    if not isinstance(data, dict):
        file, line = where(())
        problems.append(Problem(
            "", "a model must be a mapping of keys such as name, start_date and services",
            file, line, "start the file with lines like 'name: My system'"))
        raise ModelError(sort_problems(problems))
    try:
        model = Model.model_validate(data)
    except ValidationError as err:
        # a value YAML could not read is reported already; its follow-up ("got null") is noise
        reported = {p.path for p in problems if p.path}
        problems += [p for p in problems_from_validation(err, data, Model, where)
                     if p.path not in reported]
        raise ModelError(sort_problems(problems)) from None
    _checked(model, where, problems)
    model._warnings = sort_problems(problems)
    return model


def _checked(model: Model, where: Locator, problems: list[Problem]) -> None:
    """Ranges first (the cross-field rules compute with the values: a date in year 9999 or a
    run of 1e15 days would overflow there), then the cross-field rules; raise on any error."""
    out_of_range = check_ranges(model, where)
    if out_of_range:
        raise ModelError(sort_problems(problems + out_of_range))
    problems += check_model(model, where)
    if any(p.severity == "error" for p in problems):
        raise ModelError(sort_problems(problems))


def validate_model(model: Model) -> Model:
    """Run the cross-field rules on a model built in Python; raise ModelError if it is invalid.

    Returns the same model with its ``warnings`` set. Models read with ``load_model`` or
    ``parse_model`` are already validated.
    """
    source = model._source_map
    problems: list[Problem] = []
    _checked(model, lambda path: (
        (source.file, source.line(path)) if source is not None else (model.source, None)),
        problems)
    model._warnings = sort_problems(problems)
    return model
