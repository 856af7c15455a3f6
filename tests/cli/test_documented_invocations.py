"""Every command form the README, the docs and ``--help`` show runs without an internal error.

Exit code 3 means a bug (an exception that is not a user's mistake). Each documented form is
run on the demo workspace (model, runs, measures, findings, imported data) and, where it reads
a workspace, on an imported-only one (data and nothing else, as a team starts): a form may
fail with a clear message (exit 2: no model there, say), never with a bug. Forms that should
work say so (exit 0). Replications are kept small; the numbers are not the point here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from wholeflow.cli.main import app, run

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

BREACHES = "date,breaches,attendances\n" + "".join(
    f"2024-{m:02d}-01,{20 + m % 5},{400 + 7 * m}\n" for m in range(1, 13))


def _code(argv: list[str]) -> int:
    try:
        run(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Path]:
    """The demo workspace with its example extract imported (as the data guide does), and
    an imported-only workspace: built once, copied for each form."""
    root = tmp_path_factory.mktemp("invocations")
    demo = root / "demo"
    assert _code(["demo", "-o", str(demo), "-n", "2"]) == 0
    assert _code(["import", str(demo / "data" / "bolton-events.csv"), "-w", str(demo)]) == 0
    imported = root / "imported"
    imported.mkdir()
    assert _code(["example-data", "--people", "300", "-o", str(imported / "events.csv")]) == 0
    assert _code(["import", str(imported / "events.csv"), "-w", str(imported)]) == 0
    return {"demo": demo, "imported": imported}


#: (name, workspace, argv with {ws}, {tmp} placeholders, exit codes allowed). The argv are
#: the documented forms, with small replications where a run is involved.
FORMS: list[tuple[str, str, list[str], tuple[int, ...]]] = [
    ("help", "demo", ["--help"], (0,)),
    ("demo", "demo", ["demo", "-o", "{tmp}/again", "-n", "2"], (0,)),
    ("validate", "demo", ["validate", "{ws}"], (0,)),
    ("validate file", "demo", ["validate", "{ws}/wholeflow.yaml"], (0,)),
    ("validate no model", "imported", ["validate", "{ws}"], (2,)),
    ("schema", "demo", ["schema"], (0,)),
    ("run", "demo", ["run", "{ws}", "-n", "2", "--seed", "1", "--out", "{tmp}/run"], (0,)),
    ("run no model", "imported", ["run", "{ws}", "-n", "2"], (2,)),
    ("compare", "demo", ["compare", "{ws}", "-n", "2"], (0,)),
    ("compare scenario", "demo", ["compare", "{ws}", "-s", "imc_weekends", "-n", "2"], (0, 2)),
    ("compare warm-up", "demo", ["compare", "{ws}", "--warm-up", "auto", "-n", "2"], (0,)),
    ("compare no model", "imported", ["compare", "{ws}", "-n", "2"], (2,)),
    ("search", "demo", ["search", "{ws}", "--service", "acute", "--target",
                        "delayed_days@acute <= 100 a year", "-n", "2"], (0,)),
    ("search cost", "demo", ["search", "{ws}", "--services", "acute,darley_court",
                             "--cost-per-place", "acute=1200,darley_court=450", "--target",
                             "delayed_days@acute <= 100 a year", "-n", "2"], (0,)),
    ("sensitivity", "demo", ["sensitivity", "{ws}", "--parameters",
                             "services.*.length_of_stay,arrivals.*.per_day",
                             "--kpi", "delayed_days@acute", "--change", "20%", "-n", "2"], (0,)),
    ("import", "imported", ["import", "{ws}/events.csv", "-w", "{ws}"], (0,)),
    ("import replace", "imported", ["import", "{ws}/events.csv", "-w", "{ws}", "--replace",
                                    "--quarantine-csv", "{tmp}/rejected.csv"], (0,)),
    ("import map", "imported", ["import", "{ws}/events.csv", "-w", "{ws}/other",
                                "--map", "person=person", "--max-open-days", "30"], (0,)),
    ("import missing", "imported", ["import", "{ws}/nope.csv", "-w", "{ws}"], (2,)),
    ("diagnose", "imported", ["diagnose", "{ws}"], (0,)),
    ("diagnose option", "imported", ["diagnose", "-w", "{ws}"], (0,)),
    ("diagnose demo", "demo", ["diagnose", "{ws}"], (0,)),
    ("calibrate", "imported", ["calibrate", "{ws}", "--out", "{tmp}/model.yaml"], (0,)),
    ("calibrate demo", "demo", ["calibrate", "-w", "{ws}", "--out", "{tmp}/model.yaml"], (0,)),
    ("check-fit", "imported", ["check-fit", "{ws}", "-n", "2"], (0,)),
    ("example-data", "imported", ["example-data", "--people", "20", "-o", "{tmp}/x.parquet"],
     (0,)),
    ("spc file", "demo", ["spc", "{ws}/measures/darley_court_los.csv", "--direction",
                          "decrease", "--target", "26", "--out", "{tmp}/spc"], (0,)),
    ("spc measure", "demo", ["spc", "darley_court_los", "--workspace", "{ws}", "--out",
                             "{tmp}/spc"], (0,)),
    ("spc p-prime", "demo", ["spc", "{tmp}/breaches.csv", "--value-column", "breaches",
                             "--denominator-column", "attendances", "--chart", "pprime",
                             "--multiply", "100", "--out", "{tmp}/spc"], (0,)),
    ("report", "demo", ["report", "{ws}", "--out", "{tmp}/r.html"], (0,)),
    ("report xlsx", "demo", ["report", "{ws}", "--xlsx", "{tmp}/report.xlsx"], (0,)),
    ("report model file", "demo", ["report", "{ws}/wholeflow.yaml"], (0,)),
    ("report other file", "imported", ["report", "{tmp}/model.yaml"], (2,)),
    ("report no model", "imported", ["report", "{ws}"], (2,)),
    ("report calibrated", "imported", ["report", "{ws}"], (0,)),
]


def _commands() -> set[str]:
    return {c.name or c.callback.__name__.rstrip("_").replace("_", "-")  # type: ignore[union-attr]
            for c in app.registered_commands}


# and every command's --help
FORMS += [(f"{c} --help", "demo", [c, "--help"], (0,)) for c in sorted(_commands())]


def _fill(argv: list[str], ws: Path, tmp: Path) -> list[str]:
    return [a.replace("{ws}", str(ws)).replace("{tmp}", str(tmp)) for a in argv]


@pytest.mark.parametrize(("name", "kind", "argv", "allowed"), FORMS, ids=[f[0] for f in FORMS])
def test_no_documented_invocation_is_a_bug(name, kind, argv, allowed, templates, tmp_path,
                                           monkeypatch, capsys):
    ws = tmp_path / "ws"
    shutil.copytree(templates[kind], ws)
    (tmp_path / "breaches.csv").write_text(BREACHES)
    (tmp_path / "model.yaml").write_text((templates["demo"] / "wholeflow.yaml").read_text())
    if name == "report calibrated":  # the data guide's way: the calibrated model, in place
        assert _code(["calibrate", str(ws), "--out", str(ws / "wholeflow.yaml")]) == 0
    monkeypatch.chdir(tmp_path)
    code = _code(_fill(argv, ws, tmp_path))
    out = capsys.readouterr()
    assert code != 3, f"{name}: internal error\n{out.err}"
    assert code in allowed, f"{name}: exit {code}\n{out.out}\n{out.err}"


def test_every_command_the_docs_and_help_show_is_exercised():
    documented = set()
    for path in DOCS:
        documented |= set(re.findall(r"\bwholeflow ([a-z][a-z-]+)", path.read_text()))
    commands = _commands()
    named = documented & commands  # prose such as "wholeflow imports" is not a command
    exercised = {argv[0] for _, _, argv, _ in FORMS}
    assert commands <= exercised, sorted(commands - exercised)
    assert named <= exercised, sorted(named - exercised)
    assert {"import", "diagnose", "report", "calibrate", "check-fit"} <= named
