"""How much memory a replication will need, worked out before anything is allocated.

A model can be valid and still too big for the machine: 100,000 arrivals a day for 100 years
is 3.65 billion people. Rather than fail after minutes with a ``MemoryError`` (or be killed by
the operating system), :func:`check_fits` estimates the records a replication holds (people,
stints, referrals, delay segments, random buffers and the event heap, at the sizes
:func:`~wholeflow.engine.replication.run_replication` starts with) plus the tables made from
them, and refuses a run that cannot fit in the memory available, saying how big it is and what
to change. The estimate comes from the model's expected volumes (arrivals and the visits the
routes imply), so it costs nothing; the kernel still grows its arrays if a run needs more.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from wholeflow.engine.compile import CompiledModel
from wholeflow.engine.records import DELAY, PERSON, REFERRAL, STINT
from wholeflow.errors import SimulationError

#: Bytes per stint of the tables made from the records (stays, journeys, daily, KPIs), beyond
#: the records themselves: measured on the Bolton example, rounded up.
TABLE_BYTES_PER_STINT = 400
#: The kernel indexes people and stints with 32-bit integers.
MAX_RECORDS = 2**31 - 1
#: Share of the available memory one replication may plan to use.
USABLE_SHARE = 0.8


class TooBigError(SimulationError):
    """A run would not fit in memory (or in the kernel's 32-bit record numbers)."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Expected records of one replication and the bytes they and their tables take."""

    people: float
    stints: float
    bytes: float

    def __str__(self) -> str:
        return (f"about {_count(self.people)} people and {_count(self.stints)} stays a "
                f"replication, needing about {_size(self.bytes)} of memory")


def estimate(cm: CompiledModel) -> MemoryEstimate:
    """The memory one replication of ``cm`` needs (not finite when the routes loop without
    end: visits that do not converge)."""
    people = float(cm.expected_people) + 16
    visits = float(cm.expected_visits.sum()) if cm.expected_visits.size else 0.0
    stints = visits * 1.3 + people + 64
    buffers = sum(1.3 * float(s.expected) + 64 for s in cm.streams)
    records = (people * (PERSON.itemsize + 16 + 24)  # + heap entry + arrival arrays
               + stints * (STINT.itemsize + REFERRAL.itemsize + 2 * DELAY.itemsize)
               + buffers * 8)
    return MemoryEstimate(people, stints, records + stints * TABLE_BYTES_PER_STINT)


def available_bytes() -> float:
    """Memory this process can still use: the system's available memory, or the container's
    limit when lower."""
    found = [_meminfo_available(), _cgroup_room()]
    known = [b for b in found if b is not None]
    if not known:
        try:
            return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return math.inf
    return float(min(known))


def check_fits(cm: CompiledModel, available: float | None = None) -> MemoryEstimate:
    """Raise :class:`TooBigError` when a replication of ``cm`` cannot fit; else the estimate."""
    need = estimate(cm)
    room = available_bytes() if available is None else available
    change = ("shorten run_days or warm_up_days, lower arrivals per_day, or check the routes "
              "for a loop that sends people round with a probability near 1")
    if not (math.isfinite(need.bytes) and math.isfinite(need.stints)):
        raise TooBigError("the run cannot be sized: the routes send people round a loop "
                          f"without end (the expected number of stays does not converge); "
                          f"{change}")
    if max(need.people, need.stints) > MAX_RECORDS:
        raise TooBigError(f"the run is too big: {need}, more than the engine's limit of "
                          f"{_count(MAX_RECORDS)} records; {change}")
    if need.bytes > USABLE_SHARE * room:
        raise TooBigError(f"the run will not fit in memory: {need}, and {_size(room)} is "
                          f"available; {change}, or free memory (close other programs, run "
                          "fewer replications at once)")
    return need


def _count(n: float) -> str:
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:,.1f} {word}"
    return f"{n:,.0f}"


def _size(n: float) -> str:
    for size, unit in ((2**40, "TB"), (2**30, "GB"), (2**20, "MB")):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n / 1024:,.0f} KB"


def _meminfo_available() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> float | None:
    """The container's memory limit less what it uses (cgroup v2), if there is a limit."""
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        used = float((base / "memory.current").read_text().strip())
        return max(float(limit) - used, 0.0)
    except (OSError, ValueError):
        return None
