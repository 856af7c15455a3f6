"""The reference network "acute pathway with blocking" (shared/benchmarks/reference-network.md).

A small standard model for comparing engines: acute (400 beds) sends people home or on to two
community bed units and intermediate care at home; those have no waiting room, so a person
ready to leave acute for a full unit keeps their acute bed (a delayed day) until a place frees.
``scale`` multiplies the arrival rate and every capacity.
"""

from __future__ import annotations

from wholeflow.model.loader import parse_model
from wholeflow.model.schema import Model

_TEMPLATE = """
name: reference network (scale {scale})
start_date: 2025-01-06
warm_up_days: 60
run_days: 365
services:
  acute:
    capacity: {acute}
    length_of_stay: {{dist: lognormal, mean: 5, sd: 4}}
  unit_a:
    capacity: {unit_a}
    length_of_stay: {{dist: lognormal, mean: 25, sd: 12}}
  unit_b:
    capacity: {unit_b}
    length_of_stay: {{dist: lognormal, mean: 20, sd: 10}}
  imc:
    capacity: {imc}
    length_of_stay: {{dist: exponential, mean: 14}}
exits:
  home: {{}}
arrivals:
  admissions: {{service: acute, per_day: {rate}}}
routes:
  acute:
    - {{to: home, probability: 0.5}}
    - {{to: unit_a, probability: 0.2}}
    - {{to: unit_b, probability: 0.15}}
    - {{to: imc, probability: 0.15}}
  unit_a: [{{to: home, probability: 1}}]
  unit_b: [{{to: home, probability: 1}}]
  imc: [{{to: home, probability: 1}}]
"""


def reference_network(scale: float = 1.0) -> Model:
    """The reference network at a given scale (1 = 40 arrivals a day, 400 acute beds)."""
    text = _TEMPLATE.format(
        scale=scale, rate=40 * scale, acute=round(400 * scale), unit_a=round(220 * scale),
        unit_b=round(130 * scale), imc=round(95 * scale))
    return parse_model(text, file=f"<reference network x{scale}>")
