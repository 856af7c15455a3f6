"""What an SPC chart says, in plain words (one sentence per finding)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.measure.icons import ICON_WORDS, point_type
from wholeflow.measure.rules import OUTSIDE, RULES, SHIFT, TREND, TWO_OF_THREE, RuleHits
from wholeflow.measure.series import label

_VERDICT = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neutral_high": "Special cause (neither improvement nor concern)",
    "special_cause_neutral_low": "Special cause (neither improvement nor concern)",
}


def describe(
    points: pd.DataFrame,
    segments: pd.DataFrame,
    hits: list[RuleHits],
    *,
    chart: str,
    target: float | None,
    variation_icon: str,
    assurance_icon: str | None,
    direction: str,
) -> list[str]:
    """Sentences for every special cause, the latest point and the target."""
    centre_word = "median" if chart == "run" else "mean"
    sentences: list[str] = []
    for number_, (_, rows) in enumerate(points.groupby("segment", sort=True)):
        prefix = (f"Segment {number_ + 1} (from {label(rows['date'].iloc[0])}): "
                  if len(segments) > 1 else "")
        found = _findings(rows["date"].to_list(), hits[number_], segments.iloc[number_],
                          centre_word, direction)
        sentences += [prefix + s for s in found]
    if not sentences:
        sentences.append("Common cause variation only: no point meets a special-cause rule.")
    latest = points.iloc[-1]
    sentences.append(f"Latest point ({label(latest['date'])}): {ICON_WORDS[variation_icon]}.")
    if target is not None:
        sentences.append(_target_sentence(target, latest, assurance_icon, chart, direction))
    return sentences


def _findings(
    dates: list[Any], hits: RuleHits, segment: pd.Series, centre_word: str, direction: str
) -> Iterator[str]:
    for rule in RULES:
        if rule not in hits.members:
            continue
        for side, block in _blocks(hits.members[rule], hits.sides[rule], rule):
            verdict = _VERDICT[point_type(side, direction)]
            where = "above" if side > 0 else "below"
            when = [dates[i] for i in block]
            yield _sentence(rule, verdict, where, when, segment, centre_word)
    if bool(segment.get("few_crossings", False)):
        yield (f"Non-random variation: the points cross the {centre_word} "
               f"{int(segment['n_crossings'])} times, fewer than the "
               f"{int(segment['n_crossings_min'])} expected for {int(segment['n_useful'])} useful "
               "points (Anhøj rule): the process has probably shifted.")


def _sentence(
    rule: str, verdict: str, where: str, when: list[Any], segment: pd.Series, centre_word: str
) -> str:
    first, last, count = label(when[0]), label(when[-1]), len(when)
    if rule == OUTSIDE:
        limit = "upper" if where == "above" else "lower"
        return (f"{verdict}: {count} point{'s' if count != 1 else ''} {where} the {limit} "
                f"process limit ({_dates(when)}).")
    if rule == TWO_OF_THREE:
        return (f"{verdict}: two of three points beyond the 2-sigma line {where} the mean "
                f"({_dates(when)}).")
    if rule == TREND:
        way = "rising" if where == "above" else "falling"
        return f"{verdict}: {count} points in a row {way}, from {first} to {last}."
    if rule == SHIFT:
        return f"{verdict}: {count} points in a row {where} the mean, from {first} to {last}."
    return (f"{verdict}: a run of {count} points {where} the {centre_word} from {first} to "
            f"{last}, longer than the {int(segment['longest_run_max'])} the Anhøj rule allows "
            f"for {int(segment['n_useful'])} useful points.")


def _blocks(members: np.ndarray, sides: np.ndarray, rule: str) -> Iterator[tuple[int, list[int]]]:
    """(side, point positions) groups: all points per side for the limit rules, else runs."""
    positions = np.flatnonzero(members)
    if rule in (OUTSIDE, TWO_OF_THREE):
        for side in (1, -1):
            chosen = [int(i) for i in positions if sides[i] == side]
            if chosen:
                yield side, chosen
        return
    block: list[int] = []
    for i in positions:
        if block and (i != block[-1] + 1 or sides[i] != sides[block[-1]]):
            yield int(sides[block[0]]), block
            block = []
        block.append(int(i))
    if block:
        yield int(sides[block[0]]), block


def _target_sentence(
    target: float, latest: pd.Series, assurance: str | None, chart: str, direction: str
) -> str:
    head = f"Target {number(target)}"
    if assurance is not None:
        limits = f"process limits {number(latest['lower'])} to {number(latest['upper'])}"
        return f"{head}: {ICON_WORDS[assurance]} ({limits})."
    if chart == "run":
        return f"{head}: a run chart has no process limits, so it gives no assurance."
    if direction == "neutral":
        return f"{head}: no assurance when neither direction is an improvement."
    return f"{head}: no assurance (the latest point has no process limits)."


def number(value: float) -> str:
    """A readable number: thousands separated, at most 4 significant figures below 1,000."""
    if value is None or not math.isfinite(value):
        return "none"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _dates(when: list[Any], shown: int = 6) -> str:
    dates = [label(d) for d in when]
    more = f" and {len(dates) - shown} more" if len(dates) > shown else ""
    return ", ".join(dates[:shown]) + more
