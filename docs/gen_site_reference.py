"""Write docs/reference/cli.md (from the Typer commands) and docs/reference/api.md (the public API).

    python docs/gen_site_reference.py

``cli.md`` lists every command of ``wholeflow`` with its help, usage and every argument and
option (type, default, help), read from the commands themselves. ``api.md`` holds one
mkdocstrings entry per public name of :mod:`wholeflow` (its ``__all__``), grouped by package, so
the site renders each from its docstring. A test fails while the committed files differ from
what this script writes, so neither page can drift from the code.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import typer

HERE = Path(__file__).resolve().parent / "reference"
#: Annotation -> the word the reference uses for it.
WORDS: dict[Any, str] = {str: "text", int: "whole number", float: "number", bool: "flag",
                         Path: "path"}

#: API groups: (heading, package prefix of the defining module, what it is for).
API_GROUPS = [
    ("Model", "wholeflow.model", "Read, validate and patch model files."),
    ("Simulation", "wholeflow.engine", "Run replications of a model."),
    ("Experiments", "wholeflow.experiment",
     "Compare scenarios, search capacity and test sensitivity, with confidence intervals."),
    ("Data", "wholeflow.data",
     "Import event logs, measure flow, discover the journey map, calibrate a model."),
    ("Measures (SPC)", "wholeflow.measure", "SPC charts the NHS Making Data Count way."),
    ("Report", "wholeflow.report", "The HTML report, the Excel workbook and the system map."),
    ("Web app", "wholeflow.web", "The local web app for a room."),
    ("Errors", "wholeflow.errors", "Every error a user can cause is a WholeflowError."),
]


def cli_md() -> str:
    """The command-line reference, one section per command in help order."""
    app = command_app()
    # typer builds click-style objects (its own copy of click in recent versions): read them by
    # their attributes, not by class
    group: Any = typer.main.get_command(app)
    ctx = type(_context(group))(group, info_name="wholeflow")
    lines = [
        "# Command line",
        "",
        "Every command of `wholeflow`, generated from the commands themselves by",
        "`docs/gen_site_reference.py`. `wholeflow COMMAND --help` prints the same. Errors a user",
        "can cause exit with code 2 and a message naming the file, line or option; code 3 is",
        "kept for bugs.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    names = group.list_commands(ctx)
    for name in names:
        command = group.get_command(ctx, name)
        assert command is not None
        lines.append(f"| [`{name}`](#{name}) | {_first_line(command.help)} |")
    lines.append("")
    for name in names:
        command = group.get_command(ctx, name)
        assert command is not None
        lines += _command_md(name, command, ctx)
    return "\n".join(lines)


def command_app() -> typer.Typer:
    """A fresh app with every command module registered, as ``wholeflow.cli.main`` does (not
    its ``app`` itself, which a test may have added a command to)."""
    import importlib

    from wholeflow.cli.main import COMMAND_MODULES

    app = typer.Typer()
    for name in COMMAND_MODULES:
        importlib.import_module(f"wholeflow.cli.{name}").register(app)
    return app


def _first_line(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split()).replace("|", "\\|")


def _context(command: Any) -> Any:
    return command.make_context("wholeflow", ["--help"], resilient_parsing=True)


def _command_md(name: str, command: Any, parent: Any) -> list[str]:
    ctx = type(parent)(command, info_name=name, parent=parent)
    usage = " ".join(command.collect_usage_pieces(ctx))
    out = [f"## `{name}`", "", " ".join((command.help or "").split()), "",
           "```text", f"wholeflow {name} {usage}".rstrip(), "```", ""]
    rows = [_param_row(p, ctx) for p in command.params if not getattr(p, "hidden", False)]
    rows = [r for r in rows if r is not None]
    if rows:
        out += ["| argument or option | type | default | meaning |", "|---|---|---|---|"]
        out += rows
        out.append("")
    return out


def _param_row(param: Any, ctx: Any) -> str | None:
    if param.name == "help":
        return None
    if param.param_type_name == "argument":
        names = f"`{(param.metavar or param.name or '').upper()}`"
    else:
        names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    kind = "flag" if getattr(param, "is_flag", False) else _type_name(param, ctx)
    meaning = " ".join((getattr(param, "help", None) or "").split()).replace("|", "\\|")
    return f"| {names} | {kind} | {_default(param)} | {meaning} |"


def _type_name(param: Any, ctx: Any) -> str:
    """The value's type in words, from the command function's annotation (the same whatever
    version of typer or click is installed)."""
    hints = typing.get_type_hints(ctx.command.callback)
    return _words(hints.get(param.name, str))


def _words(tp: Any) -> str:
    if typing.get_origin(tp) is list:
        return _words(typing.get_args(tp)[0]) + ", repeatable"
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if args:  # X | None
        return _words(args[0])
    return WORDS.get(tp, getattr(tp, "__name__", str(tp)))


def _default(param: Any) -> str:
    value: Any = param.default
    if value is None or callable(value) or value in ((), []):
        return "–"
    if isinstance(value, bool) and getattr(param, "secondary_opts", None):
        return f"`{param.opts[0] if value else param.secondary_opts[0]}`"
    return f"`{value}`"


def api_md() -> str:
    """The Python API page: an mkdocstrings entry for every public name, grouped by package."""
    import wholeflow
    import wholeflow.data

    # the names wholeflow takes from wholeflow.data are defined where wholeflow.data says
    exports: dict[str, str] = {
        name: wholeflow.data._EXPORTS[name] if module == "wholeflow.data" else module
        for name, module in wholeflow._EXPORTS.items()}
    lines = [
        "# Python API",
        "",
        "The public API is what `import wholeflow` offers (its `__all__`, pinned by",
        "`tests/test_public_api.py`). Each entry below is rendered from the docstring of the code",
        "itself; this page is generated by `docs/gen_site_reference.py`.",
        "",
    ]
    placed: set[str] = set()
    for heading, prefix, about in API_GROUPS:
        names = [n for n, module in exports.items() if module.startswith(prefix)]
        if not names:
            continue
        lines += [f"## {heading}", "", about, ""]
        for name in names:
            lines += [f"::: {exports[name]}.{name}", "    options:",
                      "      heading_level: 3", ""]
            placed.add(name)
    others = [n for n in exports if n not in placed]  # a package without a group above yet
    if others:
        lines += ["## Other", ""]
        for name in others:
            lines += [f"::: {exports[name]}.{name}", "    options:", "      heading_level: 3", ""]
    return "\n".join(lines)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    (HERE / "cli.md").write_text(cli_md(), encoding="utf-8")
    (HERE / "api.md").write_text(api_md(), encoding="utf-8")


if __name__ == "__main__":
    main()
