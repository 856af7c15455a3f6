"""Synthetic data: event logs drawn from a model, for examples, tests and benchmarks.

Modules: logs.
"""
