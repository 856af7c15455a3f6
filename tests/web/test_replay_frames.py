"""Replay frames from a hand-made stays table: counts checked by hand at chosen moments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wholeflow.errors import WholeflowError
from wholeflow.web.views.replay import STATES, data_span, replay_frames

DAY0 = pd.Timestamp("2025-04-01")


def day(x: float | None) -> pd.Timestamp | None:
    return None if x is None else DAY0 + pd.Timedelta(days=x)


def stint(person: str, service: str, referred: float | None, started: float | None,
          ready: float | None, ended: float | None, destination: str | None) -> dict:
    return {"person": person, "service": service, "referred": day(referred),
            "started": day(started), "ready": day(ready), "ended": day(ended),
            "destination": destination}


@pytest.fixture()
def stays() -> pd.DataFrame:
    """Five people through services A and B; the comments give where each is at day 3.5."""
    return pd.DataFrame([
        stint("p1", "A", 1, 1, 5, 6, "B"),        # in care at A (ready at 5)
        stint("p1", "B", 5, 6, 9, 9, "home"),     # waits for B from 5 while held in A
        stint("p2", "A", 2, 2, 3, 8, "home"),     # ready at 3, still in A: delayed
        stint("p3", "A", 0, 0, 2, 3, "home"),     # left at 3: at home until 3.5 (exclusive)
        stint("p4", "A", 3, 4, 7, 7, "home"),     # referred at 3, starts at 4: waiting
        stint("p5", "B", 10, None, None, None, None),  # referred after the window's day 3.5
    ])


def test_counts_at_day_three_and_a_half(stays: pd.DataFrame) -> None:
    replay = replay_frames(stays, DAY0, days=12, steps_per_day=4)
    a = replay.at(3.5)["A"]
    # two people in A: p1 in care, p2 delayed (blocked); p4 waiting to start
    assert a["in_care"] + a["delayed"] == 2
    assert a["delayed"] == 1
    assert a["waiting"] == 1
    assert replay.at(3.5)["B"] == {"in_care": 0, "delayed": 0, "waiting": 0, "left": 0}
    assert replay.at(3.5)["home"]["left"] == 0  # p3 left at 3; linger is half a day
    assert replay.at(3.25)["home"]["left"] == 1


def test_held_in_one_place_while_waiting_for_the_next(stays: pd.DataFrame) -> None:
    replay = replay_frames(stays, DAY0, days=12, steps_per_day=4)
    p1 = replay.people.index("p1")
    k = int(np.flatnonzero(replay.times == 5.5)[0])
    # the dot stays in A as delayed, and B counts p1 in its queue
    assert replay.places[replay.positions[k, p1]] == "A"
    assert STATES[replay.states[k, p1]] == "delayed"
    assert replay.at(5.5)["B"]["waiting"] == 1
    assert replay.at(6.0)["B"]["in_care"] == 1
    assert replay.at(6.0)["A"]["delayed"] == 1  # p2 only: p1 left A at 6


def test_people_out_of_view_are_minus_one(stays: pd.DataFrame) -> None:
    replay = replay_frames(stays, DAY0, days=12, steps_per_day=2)
    p3 = replay.people.index("p3")
    assert replay.positions[0, p3] == replay.places.index("A")
    assert replay.positions[-1, p3] == -1  # long gone at day 12
    assert len(replay.times) == 25 and replay.times[-1] == 12.0
    # the still-waiting p5 waits for B to the end of the data
    assert replay.at(12.0)["B"]["waiting"] == 1


def test_window_starts_later_and_conserves_people(stays: pd.DataFrame) -> None:
    replay = replay_frames(stays, DAY0 + pd.Timedelta(days=2), days=2, steps_per_day=4)
    assert replay.at(1.5) == replay_frames(stays, DAY0, days=12).at(3.5)
    # every dot is counted once by state (waiting dots only for people not held elsewhere)
    for k, counts in enumerate(replay.counts):
        dots = int((replay.positions[k] >= 0).sum())
        shown = sum(c["in_care"] + c["delayed"] + c["left"] for c in counts.values())
        waiting_dots = int((replay.states[k] == STATES.index("waiting")).sum())
        assert dots == shown + waiting_dots


def test_json_form_lists_people_in_view(stays: pd.DataFrame) -> None:
    data = replay_frames(stays, DAY0, days=4, steps_per_day=2).to_json()
    frame = next(f for f in data["frames"] if f["t"] == 3.5)
    assert len(frame["p"]) == len(frame["l"]) == len(frame["s"]) == 3  # p1, p2 and p4
    assert data["places"][:2] == ["A", "B"] and "home" in data["places"]
    assert data["start"].startswith("2025-04-01")


def test_span_and_bad_input(stays: pd.DataFrame) -> None:
    assert data_span(stays) == (DAY0, DAY0 + pd.Timedelta(days=10))
    with pytest.raises(WholeflowError, match="no column"):
        replay_frames(stays.drop(columns="started"), DAY0)
    with pytest.raises(WholeflowError, match="positive"):
        replay_frames(stays, DAY0, days=0)
