"""Suite-wide settings.

Hypothesis runs derandomized: its examples come from a fixed seed, so the suite gives the same
verdict on every run and machine (the non-negotiable "stochastic tests use fixed seeds"). Set
HYPOTHESIS_PROFILE=explore to hunt for new failures with fresh random examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=1000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
