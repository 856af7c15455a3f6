"""Words of the STRESS-DES appendix that describe the engine itself (the same for every model).

They restate DESIGN.md's simulation semantics and the event loop of
:mod:`wholeflow.engine.kernel`; ``tests/report/test_stress.py`` checks the event kinds named
here against the kernel, so the text cannot quietly drift from the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wholeflow.model.schema import Model

#: The kernel's event kinds in the order their codes run (READY = 0 ... DAY = 4).
EVENT_KINDS = ("READY", "DECIDE", "MOVE", "OPEN", "DAY")

ENGINE_ALGORITHMS = [
    "Lengths of stay, triage times and transfer delays are drawn from the distribution given "
    "for each: where the model gives a mean and sd for a lognormal or gamma, wholeflow "
    "converts them to the family's own parameters by matching those two moments; Weibull "
    "takes shape and scale, triangular low, mode and high, and an empirical distribution "
    "resamples observed values or interpolates given quantiles.",
    "Referral triage counts only the open time of the receiving service's referral calendar: "
    "a referral sent on Saturday to a weekdays-only service is looked at from Monday; bank "
    "holidays of England and Wales follow the calendar's bank_holidays setting.",
    "Acceptance is a Bernoulli draw with the service's acceptance rate; a rejected referral "
    "costs the receiving service its rejected_handling_hours (failure demand) and the person "
    "is re-routed as the route's on_reject says.",
    "Routing picks the next service or exit with one uniform draw against the route shares "
    "(by class where routes are given by class).",
    "Circular waits (people each waiting for a place the other holds) are looked for once a "
    "simulated day and stop the run with a report naming them; an event budget stops a run "
    "that would never end.",
]

QUEUE_RULES = [
    "Each service has one queue of accepted people waiting for a place: first in, first out "
    "within class priority (a lower priority number is served first). A freed place wakes the "
    "longest waiter; a service admits only when its admits calendar is open.",
    "No reneging, balking or jockeying: a person waits until admitted. A referral that is "
    "rejected is re-routed (not queued). While a person waits to move on they keep their place "
    "at a service that holds on transfer (a delayed day at that service, attributed to the "
    "service waited for and the cause: triage, closed calendar, no capacity or transfer "
    "delay). Capacity reductions evict no one.",
]

EVENT_ORDER = [
    "Next-event time advance (event scheduling): a binary heap of pending events in "
    "continuous time. Event kinds: " + ", ".join(
        f"{name} ({code})" for code, name in enumerate(EVENT_KINDS)) + " — a person ready to "
    "move on, a referral decided, a move into a service, a calendar opening, and the daily "
    "tick that applies capacity changes and looks for circular waits.",
    "Ties: an event's key is (time, subject × 8 + kind), where the subject is the person or "
    "service the event belongs to. A person has at most one pending event, a service at most "
    "one calendar opening, and there is one daily tick, so keys are unique and events at the "
    "same time run in a fixed order (by subject, then kind). The same seed gives "
    "bit-identical results.",
    "Competition for places: FIFO within class priority, longest waiter first (2.5.4). "
    "Parallel runs: replications are independent and run serially, on local processes or on "
    "a Dask cluster; each depends only on (model, seed, replication), so results do not "
    "depend on where they ran.",
]


def logic_text(model: Model) -> str:
    """How a person moves through this model, in one paragraph."""
    holds = [sid for sid, s in model.services.items() if s.holds_on_transfer]
    calendars = sorted({s.referral.calendar for s in model.services.values()})
    return (
        "A person arrives at a service (or is there at day 0), stays for their length of stay "
        "until ready to move on, then a route chooses the next service or an exit. Moving to "
        "another service sends a referral that the receiving service triages within its "
        f"referral calendar (calendars used: {', '.join(calendars)}) and accepts with its "
        "acceptance rate; an accepted person joins that service's queue until a place is free "
        "and the service admits. While waiting, the person keeps their place at services that "
        f"hold on transfer ({', '.join(holds) or 'none'}); that time is counted as delayed days."
    )


def entities_text(model: Model) -> list[str]:
    """The entities: people (with their classes) and referrals."""
    classes = ", ".join(f"{cid} ({c.name or cid}, priority {c.priority})"
                        for cid, c in model.classes.items()) or "one class"
    return [
        f"People (patients), each of one patient class: {classes}. Attributes: class, arrival "
        "time, the service they are at, when they became ready to move on, the route chosen, "
        "and their exit; each stay records referred, decided, accepted, queued, started, "
        "ready and ended times, delayed days and cause, assessments and cost (the stays table).",
        "Referrals, each from one service to another for one person: sent, decided, triage "
        "time, accepted or rejected (the referrals table).",
    ]
