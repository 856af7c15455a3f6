"""The event vocabulary of an imported log, and the reasons a row can be quarantined.

An imported log is turned into *events* of a few kinds, in the order they happen in one stint:

=====================  ===================================================================
``referral``           a referral to the service was sent
``referral_accepted``  the service accepted it (triage outcome)
``referral_rejected``  the service turned it down (an inappropriate referral)
``start``              the person started in the service (admitted / on the caseload)
``assessment``         an assessment happened
``ready``              ready to move on (discharge ready, medically optimised, no criteria
                       to reside)
``end``                the person left the service (with the destination where known)
``other``              any other activity: kept and counted, but not part of a stint
=====================  ===================================================================

Extracts name these in many ways ("Admission", "Discharged", "MFFD", "NCTR"): :data:`SYNONYMS`
maps the common spellings; anything else needs an activity map.
"""

from __future__ import annotations

import re

EVENTS: tuple[str, ...] = (
    "referral",
    "referral_accepted",
    "referral_rejected",
    "start",
    "assessment",
    "ready",
    "end",
    "other",
)

#: Order of events that share a timestamp within one stint (a referral comes before its decision,
#: a start before the end of a same-day stay).
EVENT_RANK: dict[str, int] = {event: rank for rank, event in enumerate(EVENTS)}
# accepted and rejected share a rank: they are alternatives
EVENT_RANK["referral_rejected"] = EVENT_RANK["referral_accepted"]

_SYNONYM_LISTS: dict[str, tuple[str, ...]] = {
    "referral": ("referral", "referred", "refer", "referral received", "referral sent",
                 "new referral"),
    "referral_accepted": ("referral accepted", "accepted", "accept", "referral approved"),
    "referral_rejected": ("referral rejected", "rejected", "reject", "declined",
                          "referral declined", "inappropriate referral", "not accepted"),
    "start": ("start", "started", "admission", "admitted", "admit", "start of care",
              "care started", "commenced", "arrival", "arrived", "start of stay"),
    "assessment": ("assessment", "assessed", "assess"),
    "ready": ("ready", "discharge ready", "ready for discharge", "medically optimised",
              "medically optimized", "medically fit", "medically fit for discharge", "mffd",
              "mfd", "no criteria to reside", "nctr", "ready to move on", "rtmo", "optimised",
              "clinically optimised"),
    "end": ("end", "ended", "discharge", "discharged", "departure", "departed", "left",
            "end of care", "care ended", "end of stay", "release", "released"),
    "other": ("other",),
}


def normalise_label(text: str) -> str:
    """Lower case, single spaces: ``'Medically_Optimised '`` -> ``'medically optimised'``."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


SYNONYMS: dict[str, str] = {
    normalise_label(word): event for event, words in _SYNONYM_LISTS.items() for word in words
}

#: Why a row was quarantined, with the words the import report uses.
REASONS: dict[str, str] = {
    "malformed_row": "the line could not be split into the file's columns (quotes, separators)",
    "missing_person": "no person identifier",
    "missing_service": "no service (needed for referrals, decisions and starts)",
    "missing_event": "no event or activity",
    "unknown_event": "event not in the vocabulary and not in an activity map",
    "missing_timestamp": "no date or time",
    "unparseable_date": "a date or time that could not be read",
    "implausible_date": "a date before 1900 or after 2100",
    "bad_outcome": "an accepted value that is not yes or no, or a rejected referral that started",
    "end_before_start": "the stay ends (or is ready) before it starts",
    "start_before_referral": "the stay starts, or is decided, before its referral",
    "end_before_ready": "the stay ends before the person was ready to move on",
    "duplicate": "an exact repeat: the same person, service, event or activity, time, "
                 "destination and class is already loaded",
    "overlapping_stay": "a start in a service the person is already in",
    "no_matching_start": "a decision, ready, end or assessment with no earlier referral or start "
                         "for this person and service (an end before its start, or a stay that "
                         "began before the extract)",
    "referral_during_stay": "a referral to a service the person is already in",
    "repeated_event": "a second ready or decision within one stay",
    "conflicts_with_stored": "this person's events contradict events loaded by an earlier import",
}

#: Stable codes used by the stint builder (0 = loaded).
REASON_CODES: dict[str, int] = {reason: code for code, reason in enumerate(REASONS, start=1)}
