"""Journeys and pairing: events put in order, paired into stints, linked into journeys, and turned
into the shared tables.

Modules: event_order, stints, pairing, linking, journeys, journey_rows.
"""
