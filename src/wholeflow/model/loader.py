"""Read a model file or a workspace into a validated :class:`Model`.

``load_model(path)`` accepts a model file or a workspace folder. A workspace is a folder with
``wholeflow.yaml``; its ``scenarios/*.yaml`` files each hold one scenario (``description``,
``changes``, ``remove``) named after the file (``scenarios/imc_weekends.yaml`` is
``imc_weekends``). A file named ``wholeflow.yaml`` given directly is read as its workspace, so
``wholeflow validate ws`` and ``wholeflow validate ws/wholeflow.yaml`` agree.

Anything wrong — a missing file, YAML syntax, unknown keys, bad values, broken references, a
scenario that points at nothing — raises :class:`~wholeflow.errors.ModelError` listing every
problem found, each with file, line, field path and a fix. Warnings (legal but suspicious, such
as a service no one can reach) are kept on ``model.warnings``.
"""

from __future__ import annotations

from pathlib import Path as FsPath

from pydantic import ValidationError

from wholeflow.errors import ModelError, Problem
from wholeflow.model.build import build_model, sort_problems
from wholeflow.model.field_errors import Locator, problems_from_validation
from wholeflow.model.scenarios import apply_scenario
from wholeflow.model.schema import Model, Scenario
from wholeflow.model.yaml_lines import SourceMap, load_yaml

#: The model file of a workspace folder.
WORKSPACE_MODEL = "wholeflow.yaml"
#: The folder of a workspace holding one scenario per file.
SCENARIO_FOLDER = "scenarios"


def parse_model(text: str, file: str = "<model>") -> Model:
    """Parse and validate a model from YAML ``text``; ``file`` names it in messages."""
    return _parse(text, file, [])


def load_model(path: str | FsPath) -> Model:
    """Read and validate a model file or a workspace folder (with its scenario files)."""
    given = FsPath(path)
    if given.is_dir():
        file = given / WORKSPACE_MODEL
        if not file.is_file():
            raise ModelError([Problem("", f"{given} is a folder without {WORKSPACE_MODEL}",
                                      str(given), None, "give a model file, or a workspace "
                                      f"folder that holds {WORKSPACE_MODEL}")])
    else:
        file = given
    text = _read(file)
    scenario_files: list[FsPath] = []
    if file.name == WORKSPACE_MODEL and (file.parent / SCENARIO_FOLDER).is_dir():
        scenario_files = sorted((file.parent / SCENARIO_FOLDER).glob("*.yaml"))
        scenario_files += sorted((file.parent / SCENARIO_FOLDER).glob("*.yml"))
    return _parse(text, str(file), scenario_files)


def _read(file: FsPath) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError([Problem("", f"no such file: {file}", str(file), None,
                                  "check the path")]) from None
    except IsADirectoryError:  # pragma: no cover - load_model handles folders first
        raise ModelError([Problem("", f"{file} is a folder", str(file), None,
                                  "give the model file inside it")]) from None
    except UnicodeDecodeError as err:
        raise ModelError([_not_utf8(file, err)]) from None
    except OSError as err:
        raise ModelError([Problem("", f"cannot read the file: {err.strerror}", str(file),
                                  None, "check the path and its permissions")]) from None


def _not_utf8(file: FsPath, err: UnicodeDecodeError) -> Problem:
    """Where the first byte that is not UTF-8 sits: line, column and the byte itself."""
    data = err.object if isinstance(err.object, bytes) else b""
    line = data.count(b"\n", 0, err.start) + 1
    column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
    byte = data[err.start:err.start + 1].hex().upper() or "?"
    return Problem("", f"not UTF-8 text: byte 0x{byte} at column {column} cannot be read "
                   "(the file was probably saved as Windows/Latin-1 text)", str(file), line,
                   "save the file as UTF-8 (most editors offer it under Save As, Encoding)")


def _parse(text: str, file: str, scenario_files: list[FsPath]) -> Model:
    loaded = load_yaml(text, file)
    source = loaded.source
    problems = list(loaded.problems)
    if loaded.data is None and not problems:
        problems.append(Problem("", "the file is empty", file, 1,
                                "a model needs at least name, start_date and services"))
    if loaded.data is None:
        raise ModelError(problems)
    extra, extra_sources = _scenario_files(scenario_files, loaded.data, problems)
    model = build_model(loaded.data, _locator(source), problems)
    model._source = file
    model._source_map = source
    model.scenarios.update(extra)
    model._scenario_sources = extra_sources
    _check_scenarios(model)
    return model


def _scenario_files(
    files: list[FsPath], data: object, problems: list[Problem]
) -> tuple[dict[str, Scenario], dict[str, tuple[SourceMap, tuple[()]]]]:
    """Read ``scenarios/*.yaml``; problems are appended to ``problems``."""
    inline = data.get("scenarios") if isinstance(data, dict) else None
    inline_names = set(inline) if isinstance(inline, dict) else set()
    scenarios: dict[str, Scenario] = {}
    sources: dict[str, tuple[SourceMap, tuple[()]]] = {}
    for path in files:
        try:
            text = _read(path)
        except ModelError as err:
            problems += err.problems
            continue
        loaded = load_yaml(text, str(path))
        problems += loaded.problems
        name = path.stem
        if name in inline_names:
            problems.append(Problem("", f"scenario '{name}' is also defined in the model's "
                                    "scenarios:", str(path), 1, "rename the file or remove one "
                                    "of the two"))
            continue
        if loaded.problems and loaded.data is None:
            continue
        where = loaded.source
        try:
            scenarios[name] = Scenario.model_validate(loaded.data or {})
            sources[name] = (where, ())
        except ValidationError as err:
            problems += problems_from_validation(err, loaded.data, Scenario, _locator(where))
    return scenarios, sources


def _locator(source: SourceMap) -> Locator:
    return lambda path: (source.file, source.line(path))


def _check_scenarios(model: Model) -> None:
    """Apply every scenario once so a bad patch is reported when the model is loaded."""
    problems: list[Problem] = []
    for name in model.scenarios:
        try:
            apply_scenario(model, name)
        except ModelError as err:
            problems += err.problems
    if problems:
        raise ModelError(sort_problems(problems + model._warnings))
