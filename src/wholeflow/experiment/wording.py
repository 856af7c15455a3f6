"""Plain words for KPIs, numbers and verdicts, the way a design group would say them.

A verdict turns a paired difference and its confidence interval into one sentence:
``"delayed days in Royal Bolton Hospital fall by 1,640 a year (1,560 to 1,720)"`` when the
interval lies on one side of zero, or ``"no clear difference in ... (-12 to 30)"`` when it does
not. Numbers are rounded so that the interval's half-width keeps two significant figures: the
precision shown is the precision we have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wholeflow.tables import DELAY_CAUSES


@dataclass(frozen=True)
class KpiWords:
    """How to talk about one KPI: a noun phrase, a unit, and whether it totals over the run."""

    phrase: str  # with {service}; e.g. "delayed days in {service}"
    unit: str = ""  # "days", "people", "%", "£", "hours", ""
    total: bool = False  # a count or sum over the collection window (so "a year" applies)
    share: bool = False  # a fraction shown as a percentage
    plural: bool = False  # "delayed days fall", "cost falls"


_CAUSE_WORDS = {
    "triage": "waiting for triage",
    "closed": "waiting for a closed service to open",
    "no_capacity": "waiting for a free place",
    "transfer_delay": "in transfer delays",
}

SERVICE_WORDS: dict[str, KpiWords] = {
    "mean_occupancy": KpiWords("mean occupancy of {service}", "people"),
    "utilisation": KpiWords("utilisation of {service}", "%", share=True),
    "admissions": KpiWords("admissions to {service}", "", total=True, plural=True),
    "discharges": KpiWords("discharges from {service}", "", total=True, plural=True),
    "mean_length_of_stay": KpiWords("mean length of stay in {service}", "days"),
    "p90_length_of_stay": KpiWords("90th percentile length of stay in {service}", "days"),
    "mean_wait_days": KpiWords("mean wait from referral to start in {service}", "days"),
    "mean_queue": KpiWords("mean queue for {service}", "people"),
    "delayed_days": KpiWords("delayed days in {service}", "", total=True, plural=True),
    **{f"delayed_days_{c}": KpiWords(f"delayed days in {{service}} {_CAUSE_WORDS.get(c, c)}",
                                     "", total=True, plural=True) for c in DELAY_CAUSES},
    "referrals": KpiWords("referrals to {service}", "", total=True, plural=True),
    "rejected_referrals": KpiWords("rejected referrals to {service}", "", total=True, plural=True),
    "acceptance_rate": KpiWords("acceptance rate of {service}", "%", share=True),
    "failure_demand_hours": KpiWords("hours of failure demand at {service}", "", total=True,
                                     plural=True),
    "cost": KpiWords("cost of {service}", "£", total=True),
}

SYSTEM_WORDS: dict[str, KpiWords] = {
    "arrivals": KpiWords("arrivals into the system", "", total=True, plural=True),
    "departures": KpiWords("departures from the system", "", total=True, plural=True),
    "in_system_at_end": KpiWords("people still in the system at the end", "people", plural=True),
    "mean_system_length_of_stay": KpiWords("mean system length of stay", "days"),
    "delayed_days": KpiWords("delayed days across the system", "", total=True, plural=True),
    "cost": KpiWords("cost of the whole system", "£", total=True),
    "assessments_per_journey": KpiWords("assessments per journey", "", plural=True),
    "handovers_per_journey": KpiWords("handovers per journey", "", plural=True),
    "information_breaks_per_journey": KpiWords(
        "times a person tells their story again per journey", "", plural=True),
}


def kpi_words(metric: str, service: str) -> KpiWords:
    """The words for ``metric`` at ``service`` (or ``"system"``); unknown KPIs use their name."""
    if service == "system":
        if metric in SYSTEM_WORDS:
            return SYSTEM_WORDS[metric]
        if metric.startswith("cost_"):
            return KpiWords(f"cost to {metric[5:].replace('_', ' ')}", "£", total=True)
        return KpiWords(metric.replace("_", " "), "")
    if metric in SERVICE_WORDS:
        return SERVICE_WORDS[metric]
    return ARROW_WORDS.get(metric, KpiWords(metric.replace("_", " ") + " at {service}", ""))


#: Words for the KPIs of staff groups, cohorts and the model's own delay causes.
ARROW_WORDS: dict[str, KpiWords] = {
    "delayed_days_placement": KpiWords("delayed days in {service} waiting for a placement", "",
                                       total=True, plural=True),
    "staff_hours": KpiWords("staff hours at {service}", "hours", total=True, plural=True),
    "days_below_planned_capacity": KpiWords("days {service} ran below its planned capacity",
                                            "", total=True, plural=True),
    "places_lost_to_absence": KpiWords("places a day lost to absence at {service}", "places",
                                       plural=True),
    "available_hours": KpiWords("available hours of {service}", "hours", total=True,
                                plural=True),
    "needed_hours": KpiWords("needed hours of {service}", "hours", total=True, plural=True),
    "staff_utilisation": KpiWords("staff utilisation of {service}", "%", share=True),
    "hours_could_be_done_by_others": KpiWords(
        "hours of {service} on work another group could do", "hours", total=True, plural=True),
    "attendances": KpiWords("attendances of {service}", "", total=True, plural=True),
    "attendances_per_person_year": KpiWords("attendances per person a year in {service}", ""),
    "share_with_2_or_more": KpiWords("share of {service} attending twice or more", "%",
                                     share=True),
    "cohort_admissions": KpiWords("admissions of {service}", "", total=True, plural=True),
}


def describe(metric: str, service: str, service_name: str | None = None) -> str:
    """A noun phrase for a KPI, e.g. ``"delayed days in Royal Bolton Hospital"``."""
    return kpi_words(metric, service).phrase.format(service=service_name or service)


def period_words(run_days: float) -> str:
    """``" a year"`` for a 365-day collection window, else ``" over the N-day run"``."""
    if round(run_days) in (365, 366):
        return " a year"
    return f" over the {run_days:g}-day run"


def decimals_for(half_width: float, value: float = math.nan) -> int:
    """Decimal places that keep two significant figures of the half-width (at most 4)."""
    scale = half_width if math.isfinite(half_width) and half_width > 0 else abs(value)
    if not math.isfinite(scale) or scale == 0:
        return 0
    return int(min(4, max(0, 1 - math.floor(math.log10(scale)))))


def number(x: float, decimals: int = 0) -> str:
    """A number with thousands separators, e.g. ``1,640`` or ``2.35``; NaN is ``"?"``."""
    if not math.isfinite(x):
        return "?" if math.isnan(x) else ("∞" if x > 0 else "-∞")
    text = f"{x:,.{decimals}f}"
    return text.lstrip("-") if text.strip("-0.,") == "" else text


def _display(x: float, words: KpiWords) -> float:
    """A value on the scale it is shown in (shares as percentages)."""
    return 100 * x if words.share else x


def quantity(x: float, words: KpiWords, decimals: int) -> str:
    """A change with its unit: ``£1,200``, ``3.2 days``, ``4.5 percentage points``."""
    if words.share:
        return f"{number(_display(x, words), decimals)} percentage points"
    if words.unit == "£":
        return f"£{number(x, decimals)}" if x >= 0 else f"-£{number(-x, decimals)}"
    unit = f" {words.unit}" if words.unit else ""
    return f"{number(x, decimals)}{unit}"


def level_decimals(x: float, words: KpiWords) -> int:
    """Decimals that show a level to about 1 % of its size."""
    return decimals_for(abs(_display(x, words)) / 100)


def level(x: float, words: KpiWords, decimals: int) -> str:
    """A level (not a change): ``92 %``, ``£1,200``, ``3.2 days``."""
    if words.share:
        return f"{number(_display(x, words), decimals)} %"
    return quantity(x, words, decimals)


def verdict(metric: str, service: str, difference: float, low: float, high: float, *,
            service_name: str | None = None, run_days: float = 365.0) -> str:
    """One sentence saying whether, and by how much, a KPI changes (scenario minus baseline)."""
    subject = describe(metric, service, service_name)
    said = change(metric, service, difference, low, high, run_days=run_days)
    if said.startswith("no "):
        head, _, rest = said.partition(" (")
        return f"{head} in {subject} ({rest}" if rest else f"{head} in {subject}"
    if said.startswith("not enough") or said.startswith("nothing"):
        return f"{subject}: {said}"
    return f"{subject} {said}"


def change(metric: str, service: str, difference: float, low: float, high: float, *,
           run_days: float = 365.0) -> str:
    """The change part of a verdict: ``"falls by 1,640 a year (1,560 to 1,720)"``."""
    words = kpi_words(metric, service)
    if math.isnan(difference):
        return "nothing to measure (no values in both arms)"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not enough replications to tell"
    decimals = decimals_for(_display((high - low) / 2, words), _display(difference, words))
    period = period_words(run_days) if words.total else ""
    if low == high == difference == 0:
        return "no difference (identical in every replication)"
    if low <= 0 <= high:
        return (f"no clear difference ({signed(low, words, decimals)} to "
                f"{signed(high, words, decimals)}{period})")
    verb = ("rise" if difference > 0 else "fall") + ("" if words.plural else "s")
    sign = 1 if difference > 0 else -1
    lo, hi = sorted((sign * low, sign * high))
    return (f"{verb} by {quantity(abs(difference), words, decimals)}{period} "
            f"({_bare(lo, words, decimals)} to {_bare(hi, words, decimals)})")


def signed(x: float, words: KpiWords, decimals: int) -> str:
    """A change with its sign: ``+12`` or ``-3.5``."""
    text = _bare(abs(x), words, decimals)
    return ("-" if x < 0 and text.strip("0.,£%") else "+") + text


def _bare(x: float, words: KpiWords, decimals: int) -> str:
    if words.unit == "£":
        return f"£{number(x, decimals)}" if x >= 0 else f"-£{number(-x, decimals)}"
    return number(_display(x, words), decimals)
