"""Experiments: scenarios compared on common random numbers, honest statistics, capacity search,
sensitivity, and runners for local processes or a Dask cluster.

Public entry points are ``wholeflow.compare``, ``wholeflow.search_capacity`` and
``wholeflow.sensitivity``; docs/guides/experiments.md explains the statistics and the search method.
Modules, one idea each: ``stats`` (t intervals, paired differences), ``wording`` (verdicts in
plain words), ``warmup`` (MSER-5), ``precision`` (sequential replication count), ``targets``
(KPI selectors and targets), ``runners`` (serial, local processes, Dask), ``store`` (runs kept in
the workspace), ``variants`` (model changes made by search and sensitivity), ``replicate``
(running arms and keeping replications as they finish), ``session`` (shared set-up),
``compare``, ``search`` and ``sensitivity``.
"""
