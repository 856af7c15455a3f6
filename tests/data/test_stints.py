"""The stint builder on hand-written event sequences: exact episodes and rejection reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from wholeflow.data.episodes.stints import CLOSED, NAT, OPEN, SUPERSEDED, pair_events
from wholeflow.data.reading.vocabulary import EVENTS, REASON_CODES

SERVICES = ["acute", "community", "home_care"]
DESTS = ["home", "care_home"]
REASON_NAMES = {code: name for name, code in REASON_CODES.items()}
DAY = 86_400_000_000


def run(rows: list[tuple], infer_ends: bool = False) -> tuple[list[str], pd.DataFrame]:
    """rows: (person, day, event, service or None, destination or None), already sorted."""
    person = np.array([r[0] for r in rows], np.int64)
    time = np.array([int(r[1] * DAY) for r in rows], np.int64)
    event = np.array([EVENTS.index(r[2]) for r in rows], np.int8)
    service = np.array([SERVICES.index(r[3]) if r[3] else -1 for r in rows], np.int32)
    dest = np.array([DESTS.index(r[4]) if r[4] else -1 for r in rows], np.int32)
    klass = np.full(len(rows), -1, np.int32)
    reasons, ep = pair_events(person, time, event, service, dest, klass, len(SERVICES),
                              infer_ends)

    def day(values: np.ndarray) -> pd.Series:
        return pd.Series([None if v == NAT else v / DAY for v in values], dtype=object)

    def where(d: int) -> str | None:
        if d <= -2:
            return SERVICES[-2 - d]
        return DESTS[d] if d >= 0 else None

    frame = pd.DataFrame({
        "person": ep.person, "service": [SERVICES[s] for s in ep.service],
        "referred": day(ep.referred), "decided": day(ep.decided), "accepted": ep.accepted,
        "started": day(ep.started), "ready": day(ep.ready), "ended": day(ep.ended),
        "destination": [where(d) for d in ep.destination], "assessments": ep.assessments,
        "inferred": ep.end_inferred, "status": ep.status,
    })
    return [REASON_NAMES.get(int(r), "ok") for r in reasons], frame


def test_a_full_stint_is_paired_with_its_referral_and_destination():
    reasons, ep = run([
        (1, 0.0, "referral", "acute", None),
        (1, 0.5, "referral_accepted", "acute", None),
        (1, 1.0, "start", "acute", None),
        (1, 1.5, "assessment", "acute", None),
        (1, 1.5, "assessment", "acute", "home"),
        (1, 4.0, "ready", "acute", None),
        (1, 6.0, "end", "acute", "home"),
    ])
    assert reasons == ["ok"] * 7
    row = ep.iloc[0].to_dict()
    assert len(ep) == 1
    assert (row["referred"], row["decided"], row["started"], row["ready"], row["ended"]) == (
        0.0, 0.5, 1.0, 4.0, 6.0)
    assert row["accepted"] == 1 and row["assessments"] == 2 and row["destination"] == "home"
    assert row["status"] == CLOSED


def test_a_rejected_referral_closes_its_episode_and_a_later_one_opens_anew():
    reasons, ep = run([
        (1, 0.0, "referral", "community", None),
        (1, 1.0, "referral_rejected", "community", None),
        (1, 2.0, "referral", "community", None),
        (1, 3.0, "start", "community", None),
    ])
    assert reasons == ["ok"] * 4
    assert ep["accepted"].tolist() == [0, 1]
    assert ep["started"].tolist() == [None, 3.0]
    assert ep["status"].tolist() == [CLOSED, OPEN]


def test_a_re_referral_supersedes_the_one_still_waiting():
    reasons, ep = run([
        (1, 0.0, "referral", "community", None),
        (1, 5.0, "referral", "community", None),
        (1, 6.0, "start", "community", None),
    ])
    assert reasons == ["ok"] * 3
    assert ep["status"].tolist() == [SUPERSEDED, OPEN]
    assert ep["referred"].tolist() == [0.0, 5.0]


def test_duplicates_overlaps_and_orphans_are_rejected_with_their_reasons():
    reasons, ep = run([
        (1, 0.0, "end", "acute", "home"),          # before any start
        (1, 1.0, "start", "acute", None),
        (1, 1.0, "start", "acute", None),          # exact duplicate
        (1, 2.0, "start", "acute", None),          # already in acute
        (1, 2.5, "referral", "acute", None),       # referral to where they are
        (1, 3.0, "ready", "acute", None),
        (1, 3.5, "ready", "acute", None),          # second ready
        (1, 4.0, "end", "acute", "home"),
        (1, 5.0, "referral_accepted", "acute", None),  # no referral waiting
    ])
    assert reasons == ["no_matching_start", "ok", "duplicate", "overlapping_stay",
                       "referral_during_stay", "ok", "repeated_event", "ok",
                       "no_matching_start"]
    assert ep[["started", "ready", "ended"]].values.tolist() == [[1.0, 3.0, 4.0]]


def test_same_moment_start_and_end_make_a_zero_length_stay():
    reasons, ep = run([(1, 2.0, "start", "acute", None), (1, 2.0, "end", "acute", None)])
    assert reasons == ["ok", "ok"]
    assert ep[["started", "ended"]].values.tolist() == [[2.0, 2.0]]


def test_people_do_not_share_state():
    reasons, ep = run([(1, 0.0, "start", "acute", None), (2, 1.0, "end", "acute", None)])
    assert reasons == ["ok", "no_matching_start"]
    assert ep["status"].tolist() == [OPEN]


def test_an_end_without_service_closes_the_latest_started_stint():
    reasons, ep = run([
        (1, 0.0, "start", "acute", None),
        (1, 1.0, "start", "home_care", None),
        (1, 2.0, "end", None, "home"),
    ])
    assert reasons == ["ok"] * 3
    assert ep["ended"].tolist() == [None, 2.0]


def test_infer_ends_closes_other_stints_when_a_new_one_starts():
    reasons, ep = run([
        (1, 0.0, "start", "acute", None),
        (1, 3.0, "start", "community", None),
        (1, 9.0, "end", "community", "home"),
    ], infer_ends=True)
    assert reasons == ["ok"] * 3
    assert ep["ended"].tolist() == [3.0, 9.0]
    assert ep["destination"].tolist() == ["community", "home"]
    assert ep["inferred"].tolist() == [1, 0]


_event = st.tuples(
    st.integers(0, 2), st.integers(0, 20), st.sampled_from(EVENTS[:-1]),
    st.sampled_from([*SERVICES, None]), st.sampled_from([*DESTS, None]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_event, max_size=40))
def test_dropping_rejected_events_gives_the_same_episodes(rows):
    """The importer relies on it: a rejected event never changes the state."""
    order = {e: i for i, e in enumerate(EVENTS)}
    rows = sorted(rows, key=lambda r: (r[0], r[1], order[r[2]], SERVICES.index(r[3])
                                       if r[3] else -1, DESTS.index(r[4]) if r[4] else -1))
    reasons, ep = run(rows)
    kept = [r for r, why in zip(rows, reasons, strict=True) if why == "ok"]
    again, ep2 = run(kept)
    assert again == ["ok"] * len(kept)
    pd.testing.assert_frame_equal(ep, ep2)
