"""``wholeflow.spc``: one function for every SPC chart, with the NHS "Making Data Count" rules.

The chart is cut into segments at the rebase dates; each segment gets its own centre line,
limits and rules, so no run, trend or two-of-three window ever crosses a rebase. Limits follow
NHSRplotthedots (XmR) and qicharts2 (run, p, p′, u, u′, c); see :mod:`~wholeflow.measure.xmr`,
:mod:`~wholeflow.measure.attribute` and :mod:`~wholeflow.measure.runchart`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.measure.attribute import attribute_limits
from wholeflow.measure.errors import MeasureError
from wholeflow.measure.icons import assurance_icon, check_direction, point_type, variation_icon
from wholeflow.measure.limits import Limits
from wholeflow.measure.result import POINT_COLUMNS, SpcResult
from wholeflow.measure.rules import LONG_RUN, OUTSIDE, RuleHits, by_priority, mdc_rules
from wholeflow.measure.runchart import RunsAnalysis, run_chart_limits, runs_analysis
from wholeflow.measure.series import label, prepare_series
from wholeflow.measure.signals import describe
from wholeflow.measure.xmr import xmr_limits

CHARTS = ("xmr", "run", "p", "pprime", "u", "uprime", "c")
_ALIASES = {"i": "xmr", "x": "xmr", "pp": "pprime", "p'": "pprime", "p′": "pprime",
            "up": "uprime", "u'": "uprime", "u′": "uprime"}
#: A segment with fewer points than this has trial limits (NHSRplotthedots warns below 13).
SETTLED_POINTS = 13
#: A fixed baseline needs at least this many points.
MIN_BASELINE = 12


def spc(
    data: Any,
    chart: str = "xmr",
    *,
    improvement_direction: str = "increase",
    target: float | None = None,
    rebase: Iterable[Any] | Any | None = None,
    baseline: int | None = None,
    screen_moving_ranges: bool = True,
    two_of_three_beyond_limits: bool = True,
    run_length: int = 7,
    rules: str | None = None,
    multiply: float = 1.0,
    date_column: str = "date",
    value_column: str = "value",
    denominator_column: str | None = None,
) -> SpcResult:
    """Make an SPC chart of ``data`` and read it with the NHS rules.

    Args:
        data: numbers (a list, array or Series; a date index gives the dates) or a DataFrame
            with ``date_column``, ``value_column`` and, for p/u charts, a denominator column
            (``denominator_column``, or a column called ``denominator``). With a denominator the
            value column is the numerator and the chart plots value / denominator.
        chart: ``xmr`` (individuals, the default), ``run``, ``p``, ``pprime`` (Laney p′),
            ``u``, ``uprime`` (Laney u′) or ``c``.
        improvement_direction: ``increase``, ``decrease`` or ``neutral``; turns signals into
            improvement, concern or neither.
        target: a target in the chart's units (after ``multiply``); gives the assurance icon.
        rebase: dates (or period numbers) where the process changed: each starts a new segment
            at the first point on or after it, with its own lines and rules.
        baseline: fix each segment's lines on its first ``baseline`` points (at least 12).
        screen_moving_ranges: XmR only: drop moving ranges ≥ 3.267 × their mean once before
            computing the limits (NHSRplotthedots' default). False matches the MDC Excel tool.
        two_of_three_beyond_limits: True (the default): every point beyond the 2-sigma line
            counts towards "two of three", those beyond the process limits too (the Making Data
            Count team's 2023 reading). False counts only points between the 2-sigma line and
            the limit (NHSRplotthedots).
        run_length: points in a trend or shift: 7 (MDC default) or 6.
        rules: ``mdc`` (outside limits, trend, two of three, shift) or ``anhoej`` (outside
            limits, longest run, crossings, as qicharts2). Default: ``anhoej`` for run charts,
            ``mdc`` for the others.
        multiply: scale values and lines for display, e.g. 100 to show a proportion as %.

    Returns:
        An :class:`SpcResult`: the points table, segments, icons, signals and warnings.

    Raises:
        MeasureError: the data or options cannot make a chart (the message says why).
    """
    chart = _check_chart(chart)
    direction = check_direction(improvement_direction)
    rules = _check_rules(rules, chart)
    _check_options(run_length, baseline, multiply, target)
    series = prepare_series(data, chart=chart, date_column=date_column,
                            value_column=value_column, denominator_column=denominator_column)
    warnings = list(series.warnings)
    frame = series.frame.copy()  # a c chart's denominator was dropped when prepared
    if len(frame) < 2:
        raise MeasureError(
            f"an SPC chart needs at least 2 points; got {len(frame)} usable "
            f"point{'s' if len(frame) != 1 else ''}"
        )
    frame["segment"] = _segment_ids(frame["date"], rebase, series.has_dates, warnings)
    options = {"chart": chart, "rules": rules, "baseline": baseline, "run_length": run_length,
               "screen_moving_ranges": screen_moving_ranges, "multiply": multiply,
               "two_of_three_beyond_limits": two_of_three_beyond_limits}
    parts, rows, hits = [], [], []
    for segment, (_, seg) in enumerate(frame.groupby("segment", sort=True)):
        points, row, found = _chart_segment(segment, seg, chart, direction, options)
        parts.append(points)
        rows.append(row)
        hits.append(found)
    points = pd.concat(parts, ignore_index=True)[list(POINT_COLUMNS)]
    segments = pd.DataFrame(rows)
    warnings += _trial_limit_warnings(segments)
    if chart != "run":
        warnings += _missing_limit_warnings(points)
    latest = points.iloc[-1]
    variation = variation_icon(latest["point_type"], direction)
    assurance = assurance_icon(
        None if target is None else float(target), float(latest["lower"]),
        float(latest["upper"]), direction,
    )
    signals = describe(points, segments, hits, chart=chart, target=target, variation_icon=variation,
                       assurance_icon=assurance, direction=direction)
    return SpcResult(chart=chart, improvement_direction=direction,
                     target=None if target is None else float(target), points=points,
                     segments=segments, variation_icon=variation, assurance_icon=assurance,
                     signals=signals, warnings=warnings, options=options)


def _check_chart(chart: str) -> str:
    name = str(chart).strip().lower()
    name = _ALIASES.get(name, name)
    if name not in CHARTS:
        raise MeasureError(f"unknown chart {chart!r}: choose one of {', '.join(CHARTS)}")
    return name


def _check_rules(rules: str | None, chart: str) -> str:
    if rules is None:
        return "anhoej" if chart == "run" else "mdc"
    name = str(rules).strip().lower().replace("ø", "o")
    if name not in ("mdc", "anhoej"):
        raise MeasureError(f"unknown rules {rules!r}: choose 'mdc' or 'anhoej'")
    if chart == "run" and name == "mdc":
        raise MeasureError(
            "a run chart has no process limits, so the MDC rules cannot apply: use "
            "rules='anhoej' (the default for run charts) or an xmr chart"
        )
    return name


def _check_options(
    run_length: int, baseline: int | None, multiply: float, target: float | None
) -> None:
    if run_length not in (6, 7):
        raise MeasureError(f"run_length must be 6 or 7 points, got {run_length!r}")
    if baseline is not None and (not isinstance(baseline, (int, np.integer))
                                 or baseline < MIN_BASELINE):
        raise MeasureError(
            f"a fixed baseline needs at least {MIN_BASELINE} points, got {baseline!r}; "
            "leave it out to use every point"
        )
    if not (isinstance(multiply, (int, float)) and math.isfinite(multiply) and multiply > 0):
        raise MeasureError(f"multiply must be a positive number, got {multiply!r}")
    if target is not None and not (
        isinstance(target, (int, float, np.number)) and math.isfinite(float(target))
    ):
        raise MeasureError(f"the target must be a number, got {target!r}")


def _segment_ids(
    dates: pd.Series, rebase: Any, has_dates: bool, warnings: list[str]
) -> np.ndarray:
    """0 for points before the first rebase, 1 after it, ...; useless rebases are warned."""
    ids = np.zeros(len(dates), dtype=int)
    if rebase is None:
        return ids
    items = [rebase] if isinstance(rebase, (str, int, pd.Timestamp)) or not isinstance(
        rebase, Iterable) else list(rebase)
    starts: set[int] = set()
    for item in items:
        when = _rebase_point(item, has_dates)
        position = int(dates.searchsorted(when, side="left"))
        if position == 0:
            warnings.append(f"rebase at {label(when)} is at or before the first point: ignored")
        elif position >= len(dates):
            warnings.append(f"rebase at {label(when)} is after the last point: ignored")
        else:
            starts.add(position)
    for position in sorted(starts):
        ids[position:] += 1
    return ids


def _rebase_point(item: Any, has_dates: bool) -> Any:
    if not has_dates:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            return int(item)
        raise MeasureError(
            f"rebase {item!r}: this series has no dates, so rebase at a period number (1, 2, ...)"
        )
    try:
        return pd.Timestamp(item).tz_localize(None) if pd.Timestamp(item).tz else pd.Timestamp(
            item)
    except (ValueError, TypeError):
        raise MeasureError(f"rebase {item!r} is not a date; write it as YYYY-MM-DD") from None


def _chart_segment(
    segment: int,
    seg: pd.DataFrame,
    chart: str,
    direction: str,
    options: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any], RuleHits]:
    """Lines, rules and point types of one segment, its segments-table row and rule hits."""
    if len(seg) < 2:
        raise MeasureError(
            f"the segment starting {label(seg['date'].iloc[0])} has only {len(seg)} point: "
            "each segment between rebases needs at least 2 points; move or drop that rebase"
        )
    values = seg["value"].to_numpy(dtype=float)
    baseline = options["baseline"]
    limits = _limits(chart, seg, baseline, options["screen_moving_ranges"])
    analysis: RunsAnalysis | None = None
    if options["rules"] == "mdc":
        hits = mdc_rules(values, limits, run_length=options["run_length"],
                         two_of_three_beyond_limits=options["two_of_three_beyond_limits"])
    else:
        hits, analysis = _anhoej_rules(values, limits)
    rule, side = hits.rule, hits.side
    n_base = len(seg) if baseline is None else min(baseline, len(seg))
    scale = options["multiply"]
    points = pd.DataFrame({
        "date": seg["date"].to_numpy(),
        "value": values * scale,
        "numerator": seg["numerator"].to_numpy(),
        "denominator": seg["denominator"].to_numpy(),
        "centre": limits.centre * scale,
        "lower": limits.lower * scale,
        "upper": limits.upper * scale,
        "lower_near": limits.lower_near * scale,
        "upper_near": limits.upper_near * scale,
        "rule": rule,
        "side": side,
        "point_type": [point_type(int(s), direction) for s in side],
        "segment": segment,
        "baseline": np.arange(len(seg)) < n_base,
    })
    return points, _segment_row(segment, points, n_base, limits, analysis, scale), hits


def _trial_limit_warnings(segments: pd.DataFrame) -> list[str]:
    """NHSRplotthedots' caveat: fewer than 13 points give trial limits."""
    found = []
    for row in segments[segments["trial_limits"]].itertuples():
        where = "the chart" if len(segments) == 1 else f"the segment from {label(row.start)}"
        found.append(
            f"{where} has only {row.n} points: its lines are trial limits, which will move as "
            f"points are added ({SETTLED_POINTS} or more points settle them)"
        )
    return found


def _missing_limit_warnings(points: pd.DataFrame) -> list[str]:
    """Limits that cannot be computed (e.g. Laney's sigma_z when every point is 0 % or 100 %)."""
    missing = points[points["upper"].isna() | points["lower"].isna()]
    if missing.empty:
        return []
    return [
        f"{len(missing)} point{'s' if len(missing) != 1 else ''} without process limits "
        f"(from {label(missing['date'].iloc[0])}): the spread could not be estimated, so only "
        "the centre line and runs can be read there"
    ]


def _limits(chart: str, seg: pd.DataFrame, baseline: int | None, screen: bool) -> Limits:
    if chart == "xmr":
        return xmr_limits(seg["value"].to_numpy(), baseline=baseline, screen=screen)
    if chart == "run":
        return run_chart_limits(seg["value"].to_numpy(), baseline=baseline)
    return attribute_limits(chart, seg["numerator"].to_numpy(), seg["denominator"].to_numpy(),
                            baseline=baseline)


def _anhoej_rules(values: np.ndarray, limits: Limits) -> tuple[RuleHits, RunsAnalysis]:
    """qicharts2's reading: points outside the limits, then points in too long a run."""
    analysis, run_side = runs_analysis(values, limits.centre)
    above = np.sign(values - limits.centre)
    outside = (values > limits.upper) | (values < limits.lower)
    members = {OUTSIDE: outside, LONG_RUN: run_side != 0}
    return by_priority(members, {OUTSIDE: above, LONG_RUN: run_side}), analysis


def _segment_row(
    segment: int,
    points: pd.DataFrame,
    n_base: int,
    limits: Limits,
    analysis: RunsAnalysis | None,
    scale: float,
) -> dict[str, Any]:
    last = points.iloc[-1]
    row: dict[str, Any] = {
        "segment": segment,
        "start": last["date"] if len(points) == 1 else points["date"].iloc[0],
        "end": last["date"],
        "n": len(points),
        "baseline_n": n_base,
        "centre": last["centre"],
        "lower": last["lower"],
        "upper": last["upper"],
        "trial_limits": len(points) < SETTLED_POINTS,
    }
    for key, value in limits.details.items():
        row[key] = value * scale if key == "mean_moving_range" else value
    if analysis is not None:
        row.update({
            "n_useful": analysis.n_useful,
            "longest_run": analysis.longest_run,
            "longest_run_max": analysis.longest_run_max,
            "n_crossings": analysis.n_crossings,
            "n_crossings_min": analysis.n_crossings_min,
            "long_run": analysis.long_run,
            "few_crossings": analysis.few_crossings,
        })
    return row
