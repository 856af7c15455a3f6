"""Staff hours of one replication, and the caseload places of services that follow their staff.

Each staff group's available hours on a day are its planned hours (WTE, hours per WTE-week,
the team calendar and annual leave; see :mod:`wholeflow.engine.compile_arrows`) less that day's
sickness: each of the group's whole-time equivalents (rounded, at least one) is off sick with
the team's sickness probability, drawn day by day from the stream ``sickness:<team>:<group>``
(a new purpose: no existing stream moves). A service whose capacity follows its staff has
``floor((share x available hours of its care group - hours set aside for the service's other
activities done by that group) / care hours per person per day)`` places that day; the
changes enter the kernel as dated capacity changes at midnight, so a fall evicts no one.
"""

from __future__ import annotations

import numpy as np

from wholeflow.engine.compile import CompiledModel


def available_hours(cm: CompiledModel, seed: int, replication: int) -> np.ndarray:
    """Available hours per (team, group) and day of the run: planned less sickness."""
    from wholeflow.engine.replication import stream_rng

    st = cm.arrows.staff
    out = st.planned.copy()
    for g, (team, group) in enumerate(st.groups):
        if st.sickness[g] <= 0:
            continue
        rng = stream_rng(seed, replication, f"sickness:{team}:{group}")
        sick = rng.binomial(st.heads[g], st.sickness[g], out.shape[1])
        out[g] *= 1.0 - sick / st.heads[g]
    return out


def staffed_places(cm: CompiledModel, hours: np.ndarray) -> dict[int, np.ndarray]:
    """Caseload places per day of each service whose capacity follows its staff: its share
    of the care group's hours, less the hours set aside for its other activities, divided by
    the care hours per person per day (rounded down, never below 0)."""
    return {s: np.floor(np.maximum(share * hours[g] - aside, 0.0) / care + 1e-9)
            .astype(np.int64)
            for s, g, share, care, aside in cm.arrows.staff.staffed}


def planned_places(cm: CompiledModel) -> dict[int, np.ndarray]:
    """The places on the rota: annual leave planned for, no one off sick."""
    return staffed_places(cm, cm.arrows.staff.planned)


def establishment_places(cm: CompiledModel) -> dict[int, np.ndarray]:
    """The places with no one absent at all (WTE and the team calendar only)."""
    return staffed_places(cm, cm.arrows.staff.full)


def capacity_changes(cm: CompiledModel, places: dict[int, np.ndarray]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Initial capacities and the dated changes with the staffed services' days merged in,
    in the kernel's order (time, then service)."""
    cap0 = cm.capacity0.copy()
    times, svcs, caps = [cm.cc_time], [cm.cc_service], [cm.cc_capacity]
    for s, by_day in places.items():
        cap0[s] = by_day[0]
        change = np.flatnonzero(np.diff(by_day)) + 1
        times.append(change.astype(np.float64))
        svcs.append(np.full(len(change), s, np.int64))
        caps.append(by_day[change])
    t, sv, c = np.concatenate(times), np.concatenate(svcs), np.concatenate(caps)
    order = np.lexsort((sv, t))
    return cap0, t[order], sv[order], c[order]
