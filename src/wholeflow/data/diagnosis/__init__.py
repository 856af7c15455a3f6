"""Diagnostics and discovery: flow measured from the shared tables, and the journey map discovered.

Modules: diagnostics, discovery.
"""
