"""``wholeflow validate`` and ``wholeflow schema``."""

import json

import pytest

from wholeflow.cli.main import run


def cli(args, capsys):
    try:
        run(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_ok(tmp_path, small, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(small, encoding="utf-8")
    code, out, _ = cli(["validate", str(path)], capsys)
    assert code == 0
    assert out.startswith(f"ok {path}: 3 services, 2 exits, 1 arrival streams, 1 scenario")


def test_validate_prints_warnings(tmp_path, small, h, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(h.replace(small, "occupancy: 10", "occupancy: 13"), encoding="utf-8")
    code, out, _ = cli(["validate", str(path)], capsys)
    assert code == 0
    assert "warning:" in out and "initial_state.rehab.occupancy" in out


def test_validate_invalid_prints_every_problem_and_exits_2(tmp_path, small, h, capsys):
    path = tmp_path / "m.yaml"
    text = h.replace(small, "capacity: 30", "capacity: -1")
    text = h.replace(text, "per_day: 4", "per_day: -4")
    path.write_text(text, encoding="utf-8")
    code, out, err = cli(["validate", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert "2 problems" in err
    assert f"{path}:12 services.acute.capacity: must be at least 0 places, got -1" in err
    assert "arrivals.ed.per_day" in err
    assert "Traceback" not in err


def test_validate_missing_file_exits_2(tmp_path, capsys):
    code, _, err = cli(["validate", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2
    assert "no such file" in err


def test_schema_is_json_schema_with_field_descriptions(capsys):
    code, out, _ = cli(["schema"], capsys)
    assert code == 0
    schema = json.loads(out)
    service = schema["$defs"]["Service"]["properties"]
    assert "capacity" in service and service["capacity"]["description"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("args", [["validate", "--help"], ["schema", "--help"]])
def test_help(args, capsys):
    code, out, _ = cli(args, capsys)
    assert code == 0 and "Usage" in out
