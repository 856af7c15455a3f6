"""The shared table schemas.

Simulated runs and imported event logs produce the *same* tables, so every diagnostic, chart and
report runs on real and simulated data alike. Times are pandas timestamps (day 0 of a model is
00:00 on its ``start_date``); durations are in days. Columns are documented here once and used
everywhere (docs/reference/tables.md is generated from these dictionaries).
"""

from __future__ import annotations

STAYS: dict[str, str] = {
    "replication": "replication number (0 for imported data)",
    "person": "person identifier (pseudonymised for imported data)",
    "class": "patient class / cohort",
    "service": "service id of this stint",
    "stint": "order of this stint within the person's journey (1 = first service)",
    "referred": "when the referral that led here was sent (arrival time for new arrivals)",
    "decided": "when the receiving service decided (triage outcome)",
    "accepted": "whether the referral was accepted (always true for a stint that happened)",
    "queued": "when the person joined this service's queue",
    "admitted": "when a place was reserved for the person (start of any transfer delay)",
    "started": "when the person started here (arrived in the bed / on the caseload)",
    "ready": "when the person was ready to move on (medically optimised, no criteria to reside)",
    "ended": "when the person left (empty while still here at the end of the data)",
    "destination": "where the person went next (a service id or an exit)",
    "delayed_days": "days between ready and ended spent holding a place here",
    "delay_cause": "main cause of those delayed days (triage, closed, no_capacity, "
                   "transfer_delay; placement and the model's named waits where it has them)",
    "delay_target": "the service the person was waiting for",
    "length_of_stay": "ended - started in days (empty while still here)",
    "wait_days": "started - referred in days: referral to start",
    "assessments": "assessments the person went through on entry",
    "cost": "cost of the stint (cost_per_day x days here)",
}

REFERRALS: dict[str, str] = {
    "replication": "replication number (0 for imported data)",
    "person": "person identifier",
    "class": "patient class",
    "from_service": "referring service (empty for a new arrival)",
    "to_service": "service referred to",
    "referred": "when the referral was sent",
    "decided": "when it was triaged (empty if still undecided)",
    "accepted": "true if accepted, false if rejected (inappropriate referral)",
}

DELAYS: dict[str, str] = {
    "replication": "replication number",
    "person": "person identifier",
    "service": "service where the place was held (the delayed bed)",
    "target": "service (or limited exit, or the route's destination for a named wait) the "
              "person was waiting for",
    "cause": "triage, closed, no_capacity or transfer_delay; placement (a limited exit) and "
             "the reasons of the model's named waits (patient_choice, ...) where it has them",
    "start": "start of this delay segment",
    "end": "end of this delay segment",
    "days": "length in days",
}

JOURNEYS: dict[str, str] = {
    "replication": "replication number",
    "person": "person identifier",
    "class": "patient class",
    "arrived": "when the person entered the system",
    "left": "when they left (empty while still in the system)",
    "exit": "where they went (an exit id; empty while still in the system)",
    "services": "number of service stints",
    "handovers": "transfers between services (stints - 1)",
    "assessments": "assessments over the whole journey",
    "information_breaks": "handovers between services whose record systems differ",
    "length_of_stay": "left - arrived in days: the system length of stay",
    "delayed_days": "delayed days over the whole journey",
    "cost": "cost over the whole journey",
    "path": "the services visited, joined by ' > '",
}

DAILY: dict[str, str] = {
    "replication": "replication number",
    "service": "service id",
    "date": "the day; census counts are taken at midnight at its start",
    "occupancy": "people in the service at midnight (including delayed)",
    "delayed_occupancy": "of those, people ready to move on",
    "queue": "people accepted and waiting for a place at midnight",
    "capacity": "capacity in force that day (empty = unlimited)",
    "admissions": "people who started that day",
    "discharges": "people who left that day",
}

KPIS: dict[str, str] = {
    "replication": "replication number",
    "service": "service id, or 'system' for the whole system",
    "metric": "KPI name (see the KPI catalogue)",
    "value": "value over the collection window (warm-up excluded)",
}

DELAY_CAUSES: tuple[str, ...] = ("triage", "closed", "no_capacity", "transfer_delay")
