"""The store: the import that writes a workspace's DuckDB store, the store itself, and one way in
to its tables (or to simulated ones).

Modules: importer, store, source.
"""
