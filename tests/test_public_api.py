"""The public API is a contract with users' scripts: adding is fine, removing is a break."""

import wholeflow

PINNED = {
    "DataError",
    "DeadlockError",
    "ExperimentError",
    "MeasureError",
    "Model",
    "Results",
    "ModelError",
    "SimulationError",
    "SpcResult",
    "WholeflowError",
    "__version__",
    "apply_scenario",
    "compare",
    "list_scenarios",
    "load_measures",
    "load_model",
    "measure_series",
    "measure_spc",
    "parse_model",
    "search_capacity",
    "sensitivity",
    "simulate",
    "spc",
    "spc_figure",
    "build_report",
    "write_report",
    "write_workbook",
    "system_map",
    "load_findings",
    "import_events",
    "ImportReport",
    "Store",
    "diagnose",
    "Diagnostics",
    "discover",
    "JourneyMap",
    "calibrate",
    "Calibration",
    "check_fit",
}


def test_public_names_are_pinned():
    assert set(wholeflow.__all__) >= PINNED


def test_every_public_name_resolves():
    for name in wholeflow.__all__:
        assert getattr(wholeflow, name) is not None, name


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        _ = wholeflow.no_such_thing
