"""Checking and pseudonymising: every row loaded or quarantined with its reason; names coded,
person identifiers pseudonymised.

Modules: validate_rows, pseudonymise, labels.
"""
