"""Imported only by the local runner's fork server: load the engine's compiled kernel once.

Worker processes fork from that server, so they start with the engine imported and numba's
cached machine code already in memory: no worker imports the engine or reads the kernel cache
again. The tiny model below goes through the kernel's main paths (arrivals, a full service with
a queue, a referral triaged on a weekday calendar, rejection, a transfer delay).
"""

from __future__ import annotations

import contextlib

from wholeflow.engine import Results, compile_model, run_replication
from wholeflow.model.schema import Model

_TINY = Model.model_validate({
    "name": "warm", "start_date": "2025-04-04", "warm_up_days": 1, "run_days": 6,
    "calendars": {"weekdays": {"days": ["mon", "tue", "wed", "thu", "fri"]}},
    "services": {
        "ward": {"capacity": 2, "length_of_stay": {"dist": "exponential", "mean": 1.0}},
        "rehab": {"capacity": 1, "length_of_stay": {"dist": "exponential", "mean": 2.0},
                  "referral": {"calendar": "weekdays", "triage_time": 0.2, "acceptance": 0.8}},
    },
    "arrivals": {"front_door": {"service": "ward", "per_day": 3.0}},
    "routes": {"ward": [{"to": "rehab", "probability": 0.5, "on_reject": "home",
                         "transfer_delay": 0.1},
                        {"to": "home", "probability": 0.5}],
               "rehab": [{"to": "home", "probability": 1.0}]},
})


def warm() -> None:
    """Run one replication of the tiny model (loads every kernel function it touches)."""
    compiled = compile_model(_TINY)
    results = Results(_TINY, compiled, [run_replication(compiled, 0, 0)])
    _ = results.kpis


# never stop the server over a warm-up: workers would then load the kernel themselves
with contextlib.suppress(Exception):
    warm()
