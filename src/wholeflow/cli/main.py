"""Entry point of the ``wholeflow`` command.

Each command group is a module of this package with a ``register(app)`` function; heavy imports
(numba, pandas, duckdb) happen inside commands so ``wholeflow --help`` stays quick. Errors a user
can cause (:class:`~wholeflow.errors.WholeflowError`) print as plain messages and exit with code
2; anything else is a bug: we print a short apology, write the traceback to a log file and exit
with code 3, so no Python traceback reaches a user's screen. Warnings from the libraries
underneath (numpy's "overflow encountered", pandas' future changes) are not the user's to act
on: they are kept off the screen (:func:`_quiet_warnings`); running out of memory is reported
in plain words with exit code 2.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from wholeflow.errors import WholeflowError

#: Command-group modules (in help order). Add a module here to add its commands.
COMMAND_MODULES = ["demo", "examples", "model", "run", "experiment", "data", "spc", "report",
                   "stress", "serve"]

app = typer.Typer(
    name="wholeflow",
    help="Whole-system patient flow: model, simulate, diagnose, measure and show.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(emoji=False, stderr=True)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"wholeflow.cli.{name}").register(app)


_register_all()


def run(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every error into a message and an exit code.

    Usage errors (unknown option, missing argument) are reported by Typer itself with exit
    code 2; a :class:`WholeflowError` prints its message with exit code 2; anything else is a
    bug and exits with code 3 after writing the traceback to a log file.
    """
    try:
        with _quiet_warnings():
            app(args=argv, standalone_mode=True)
    except WholeflowError as err:
        err_console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("stopped (Ctrl-C); finished work was kept where the command says so")
        sys.exit(130)
    except MemoryError:
        err_console.print("[bold red]error:[/] ran out of memory. Shorten the run or the extract, "
                          "or free memory (close other programs, run fewer replications at once).",
                          highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as err:  # a bug: keep the traceback for the report, spare the user
        log = Path(tempfile.gettempdir()) / "wholeflow-error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        err_console.print(
            f"[bold red]internal error:[/] {type(err).__name__}: {err}\n"
            f"This is a bug in wholeflow. The details are in {log}; please attach it to an issue.",
            highlight=False,
        )
        sys.exit(3)


@contextmanager
def _quiet_warnings() -> Iterator[None]:
    """Keep library warnings off the screen for the length of a command.

    Numerical code checks its own results (a model's ranges keep costs and durations finite),
    so a numpy RuntimeWarning here says nothing a user can act on; printed, it shows a source
    line from deep inside wholeflow, which reads like a crash.
    """
    before = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"  # worker processes start with it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if before is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = before


if __name__ == "__main__":  # pragma: no cover
    run()
