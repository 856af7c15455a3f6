"""Point types, the variation and assurance icons, and the icons drawn as SVG.

Vocabulary (as NHSRplotthedots names it, so results compare line by line):

- point types: ``common_cause``, ``special_cause_improvement``, ``special_cause_concern``,
  ``special_cause_neutral_high``, ``special_cause_neutral_low``;
- variation icon (from the latest point): ``common_cause``, ``improvement_high``,
  ``improvement_low``, ``concern_high``, ``concern_low``, ``neutral_high``, ``neutral_low``;
- assurance icon (target against the latest point's process limits): ``pass`` (the limits
  lie wholly on the good side of the target), ``fail`` (wholly on the bad side) or
  ``hit_and_miss`` (the target lies between the limits). No assurance without a target, without
  limits (run charts), or when the improvement direction is neutral.

The SVG icons are our own drawings in the spirit of the "Making Data Count" icons: a ring in the
signal's colour around a small picture (dots for variation, a target line for assurance) and a
letter (H/L for high/low, P/F/? for pass/fail/hit and miss). No third-party artwork is used.
"""

from __future__ import annotations

import base64
import math

from wholeflow.measure.errors import MeasureError

DIRECTIONS = ("increase", "decrease", "neutral")

#: Colours of the point types (and of the icons' rings).
COLOURS = {
    "common_cause": "#7F7F7F",
    "special_cause_improvement": "#2A7AB8",
    "special_cause_concern": "#E8900C",
    "special_cause_neutral_high": "#6A3D9A",
    "special_cause_neutral_low": "#6A3D9A",
}
_ICON_COLOURS = {
    "common_cause": COLOURS["common_cause"],
    "improvement": COLOURS["special_cause_improvement"],
    "concern": COLOURS["special_cause_concern"],
    "neutral": COLOURS["special_cause_neutral_high"],
    "pass": COLOURS["special_cause_improvement"],
    "fail": COLOURS["special_cause_concern"],
    "hit_and_miss": COLOURS["common_cause"],
}
VARIATION_ICONS = ("common_cause", "improvement_high", "improvement_low", "concern_high",
                   "concern_low", "neutral_high", "neutral_low")
ASSURANCE_ICONS = ("pass", "fail", "hit_and_miss")

#: Plain words for each icon (used in signals, hover text and the CLI).
ICON_WORDS = {
    "common_cause": "common cause variation",
    "improvement_high": "special cause variation: improvement (high)",
    "improvement_low": "special cause variation: improvement (low)",
    "concern_high": "special cause variation: concern (high)",
    "concern_low": "special cause variation: concern (low)",
    "neutral_high": "special cause variation: neither improvement nor concern (high)",
    "neutral_low": "special cause variation: neither improvement nor concern (low)",
    "pass": "the process will consistently meet the target",
    "fail": "the process will consistently miss the target",
    "hit_and_miss": "the process will hit and miss the target at random",
}


def check_direction(direction: str) -> str:
    """The improvement direction in lower case, or a :class:`MeasureError` naming the choices."""
    value = str(direction).strip().lower()
    if value not in DIRECTIONS:
        raise MeasureError(
            f"improvement direction {direction!r} is not one of {', '.join(DIRECTIONS)}"
        )
    return value


def point_type(side: int, direction: str) -> str:
    """The point type of a point whose signal side is ``side`` (+1 high, −1 low, 0 none)."""
    if side == 0:
        return "common_cause"
    if direction == "neutral":
        return "special_cause_neutral_high" if side > 0 else "special_cause_neutral_low"
    good = 1 if direction == "increase" else -1
    return "special_cause_improvement" if side == good else "special_cause_concern"


def variation_icon(latest_point_type: str, direction: str) -> str:
    """The variation icon for the latest point (as NHSRplotthedots chooses it)."""
    high_is_good = direction == "increase"
    return {
        "common_cause": "common_cause",
        "special_cause_neutral_high": "neutral_high",
        "special_cause_neutral_low": "neutral_low",
        "special_cause_improvement": "improvement_high" if high_is_good else "improvement_low",
        "special_cause_concern": "concern_low" if high_is_good else "concern_high",
    }[latest_point_type]


def assurance_icon(
    target: float | None, lower: float, upper: float, direction: str
) -> str | None:
    """``pass``, ``fail``, ``hit_and_miss`` or None (no target, no limits, neutral direction)."""
    if target is None or direction == "neutral" or not (
        math.isfinite(lower) and math.isfinite(upper)
    ):
        return None
    increasing = direction == "increase"
    if target > upper:
        return "fail" if increasing else "pass"
    if target < lower:
        return "pass" if increasing else "fail"
    return "hit_and_miss"


def icon_svg(name: str, size: int = 64) -> str:
    """Our SVG drawing of a variation or assurance icon."""
    if name in ASSURANCE_ICONS:
        return _assurance_svg(name, size)
    if name not in VARIATION_ICONS:
        raise MeasureError(f"no icon called {name!r}")
    return _variation_svg(name, size)


def icon_data_uri(name: str, size: int = 64) -> str:
    """The icon as a ``data:image/svg+xml;base64,...`` URI (embeddable in HTML and plotly)."""
    encoded = base64.b64encode(icon_svg(name, size).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def _frame(colour: str, size: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 100 100" role="img" aria-label="{title}"><title>{title}</title>'
        f'<circle cx="50" cy="50" r="44" fill="white" stroke="{colour}" stroke-width="8"/>'
        f"{body}</svg>"
    )


def _letter(text: str, y: float, colour: str) -> str:
    return (
        f'<text x="50" y="{y}" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="26" font-weight="bold" fill="{colour}">{text}</text>'
    )


def _variation_svg(name: str, size: int) -> str:
    kind, _, level = name.partition("_") if name != "common_cause" else ("common_cause", "", "")
    colour = _ICON_COLOURS[kind]
    grey = _ICON_COLOURS["common_cause"]
    heights = [56, 50, 58, 52, 56, 50, 54]  # a wandering line of dots: common cause
    if level == "high":
        heights[-3:] = [44, 38, 32]
    elif level == "low":
        heights[-3:] = [64, 70, 76]
    dots = "".join(
        f'<circle cx="{22 + 9.3 * i:.1f}" cy="{y}" r="4.2" '
        f'fill="{colour if (level and i >= 4) else grey}"/>'
        for i, y in enumerate(heights)
    )
    path = " ".join(f"{22 + 9.3 * i:.1f},{y}" for i, y in enumerate(heights))
    line = f'<polyline points="{path}" fill="none" stroke="{grey}" stroke-width="2"/>'
    letter = ""
    if level:
        letter = _letter("H" if level == "high" else "L", 80 if level == "high" else 36, colour)
    return _frame(colour, size, line + dots + letter, ICON_WORDS[name])


def _assurance_svg(name: str, size: int) -> str:
    colour = _ICON_COLOURS[name]
    target = '<line x1="18" y1="58" x2="82" y2="58" stroke="#C0392B" stroke-width="3" ' \
             'stroke-dasharray="6,4"/>'
    band = {"pass": (26, 44), "fail": (66, 84), "hit_and_miss": (42, 74)}[name]
    box = (f'<rect x="30" y="{band[0]}" width="40" height="{band[1] - band[0]}" rx="4" '
           f'fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="2"/>')
    letter = _letter({"pass": "P", "fail": "F", "hit_and_miss": "?"}[name],
                     84 if name == "pass" else 40, colour)
    return _frame(colour, size, box + target + letter, ICON_WORDS[name])
