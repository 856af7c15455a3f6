"""Diagnose from data: import event logs, measure flow, discover journeys, calibrate a model.

``import_events`` reads extracts into the workspace's DuckDB store (:mod:`.store`), rebuilding
the shared tables of :mod:`wholeflow.tables`; ``diagnose`` and ``discover`` measure flow on a
workspace or on simulation results alike; ``calibrate`` turns the data into a model and
``check_fit`` simulates it against them. Modules: readers, mapping, timestamps, validate_rows,
pseudonymise, stints, pairing, journeys, importer, store, source, diagnostics, discovery,
calendars, fit, calibrate, model_yaml, checkfit, synthetic, vocabulary.
"""
