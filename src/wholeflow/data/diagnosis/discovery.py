"""Journey map discovery: the directly-follows graph of services, and the journey variants.

Discovered from the stays, as tables for the report and the app to draw:

* ``nodes``: each service with its stays, people, median length of stay and mean occupancy;
* ``edges``: who moves from where to where. ``kind`` is ``arrival`` (from outside into the
  first service of a journey, source ``(arrival)``), ``transfer`` (from one service to the next
  in a journey) or ``exit`` (from the last service to where the journey ended; ``unknown`` when
  the extract does not say). Transfers carry the median gap from leaving one service to
  starting the next (0 for a direct move, negative when stays overlap) and the median wait
  from being ready to move on to starting the next;
* ``variants``: the most frequent journeys (the services in order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from wholeflow.data.diagnosis.diagnostics import variants
from wholeflow.data.episodes.journeys import days_sql
from wholeflow.data.storage.source import opened

ARRIVAL = "(arrival)"


@dataclass
class JourneyMap:
    """The discovered map: services (nodes), moves between them (edges), common journeys."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    variants: pd.DataFrame


def directly_follows(source: Any) -> pd.DataFrame:
    """Moves between services (and in from outside, and out to exits), with volumes and times."""
    with opened(source) as data:
        return data.df(f"""
            WITH s AS (
                SELECT service, stint, ready, ended, destination,
                       lead(service) OVER w AS next_service,
                       lead(started) OVER w AS next_started
                FROM stays WINDOW w AS (PARTITION BY person, journey ORDER BY stint))
            SELECT '{ARRIVAL}' AS source, service AS target, 'arrival' AS kind,
                   count(*) AS journeys, CAST(NULL AS DOUBLE) AS median_transfer_days,
                   CAST(NULL AS DOUBLE) AS median_wait_from_ready_days
            FROM s WHERE stint = 1 GROUP BY ALL
            UNION ALL
            SELECT service, next_service, 'transfer', count(*),
                   median({days_sql('next_started', 'ended')}),
                   median({days_sql('next_started', 'ready')})
            FROM s WHERE next_service IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT service, coalesce(destination, 'unknown'), 'exit', count(*), NULL, NULL
            FROM s WHERE next_service IS NULL AND ended IS NOT NULL GROUP BY ALL
            ORDER BY kind, journeys DESC, source, target
        """)


def services(source: Any) -> pd.DataFrame:
    """Each service: stays, people, median length of stay, mean midnight occupancy."""
    with opened(source) as data:
        return data.df("""
            WITH o AS (SELECT service, avg(occupancy) AS mean_occupancy,
                              max(occupancy) AS peak_occupancy FROM daily GROUP BY service)
            SELECT s.service, count(*) AS stays, count(DISTINCT s.person) AS people,
                   median(s.length_of_stay) AS median_length_of_stay,
                   any_value(o.mean_occupancy) AS mean_occupancy,
                   any_value(o.peak_occupancy) AS peak_occupancy
            FROM stays s LEFT JOIN o USING (service) GROUP BY s.service ORDER BY s.service
        """)


def discover(source: Any, top_variants: int = 20) -> JourneyMap:
    """Discover the journey map of a workspace, a store, or simulation results."""
    with opened(source) as data:
        return JourneyMap(services(data), directly_follows(data), variants(data, top_variants))
