"""Calibration: a model fitted to the data, every number checked and commented, and simulated
against the data again.

Modules: calibrate, fit, fit_check, checkfit, calendars, model_yaml.
"""
