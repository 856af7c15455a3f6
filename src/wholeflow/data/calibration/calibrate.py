"""Calibrating a model from data: every number with its evidence.

From the stays and referrals of a source (:mod:`wholeflow.data.storage.source`):

* **arrivals** per service: people entering the system there (the first stay of each journey,
  at its referral or else its start) per day over the extract, with a weekday profile and
  class mix. As in the engine, arrivals are admitted without triage;
* **routes** per service (and class, where per-class shares beat shared ones on AIC): where
  each completed stay's first referral went (or, without one, where the person went), so a
  route's probability is that of being *referred* there; the most common destination after a
  rejection becomes the route's ``on_reject``;
* **length of stay** (start to ready to move on; to the end where no ready time is recorded)
  fitted by maximum likelihood across families, chosen by AIC, with stays still open at the end
  of the extract as censored observations (:mod:`wholeflow.data.calibration.fit`); per class too,
  where separate fits beat one for all on AIC;
* **acceptance** (accepted / decided referrals between services) and **triage time** (referral
  to decision, in open days), with the weekdays referrals are decided and people are started
  on read as calendars (:mod:`wholeflow.data.calibration.calendars`);
* **capacity**: the observed peak midnight census, as a starting point;
* **assessments** per stay (rounded mean).

The model runs from the first day of the extract (empty, as the extract starts) with a warm-up
of three times the longest mean length of stay (30 to 180 days, at most half the extract), and
collects results over the rest of it, so a simulation of it lines up with the data in time. The
YAML is validated with :func:`wholeflow.model.parse_model` before it is returned.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wholeflow.data.calibration import fit_check
from wholeflow.data.calibration.calendars import open_days_between, open_weekdays
from wholeflow.data.calibration.fit import FAMILIES, Fit, fit_durations
from wholeflow.data.calibration.model_yaml import Entry, render
from wholeflow.data.episodes.journeys import days_sql
from wholeflow.data.storage.source import FlowData, opened
from wholeflow.errors import DataError
from wholeflow.model.schema import WEEKDAYS, Model

UNKNOWN_EXIT = "unknown"
DEFAULT_CLASS = "general"
FIT_COLUMNS = ("service", "class", "quantity", "family", "aic", "ks_distance", "n",
               "n_censored", "mean", "sd", "median", "p90", "observed_mean", "observed_median",
               "observed_p90", "verdict", "reason", "chosen")


VERDICT_COLUMNS = ("service", "class", "quantity", "family", "verdict", "reason")


@dataclass(frozen=True)
class _Choice:
    """The distribution a fitted number gets in the model, and why."""

    distribution: dict[str, Any]
    evidence: str
    fit: Fit
    """The best fit by AIC (for comparing pooled and per-class fits)."""
    verdict: str
    mean: float


@dataclass
class Calibration:
    """A calibrated model, its commented YAML, and the evidence behind it."""

    model: Model
    yaml: str
    fits: pd.DataFrame
    """Every family tried: service, class, quantity, family, aic, ks_distance, n, ..., its
    figures beside the observed ones, its ``verdict`` (ok, check, refused; see
    :mod:`wholeflow.data.calibration.fit_check`) and ``reason``, and ``chosen`` (the one written to
    the model; an ``empirical`` row when no family passed)."""
    ids: dict[str, str] = field(default_factory=dict)
    """Service and exit names in the data -> ids in the model."""
    verdicts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(VERDICT_COLUMNS)))
    """One row per fitted number written to the model: service, class, quantity, family
    (``empirical`` when no family passed), verdict (ok, check; refused when nothing could be
    written) and reason."""

    def save(self, path: str | Path) -> Path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.yaml, encoding="utf-8")
        return out


def model_id(name: str) -> str:
    """A model id for a name in the data: ``"Darley Court"`` -> ``darley_court``."""
    text = re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")
    if not text:
        text = "unnamed"
    return text if text[0].isalpha() else f"s_{text}"


def _ids(names: Sequence[str], taken: set[str]) -> dict[str, str]:
    out = {}
    for name in names:
        base = model_id(name)
        candidate, k = base, 2
        while candidate in taken:
            candidate, k = f"{base}_{k}", k + 1
        taken.add(candidate)
        out[name] = candidate
    return out


def _n(value: float) -> str:
    return f"{int(value):,}"


def _round(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}") if value and math.isfinite(value) else float(value)


def calibrate(source: Any, *, name: str = "calibrated", out: str | Path | None = None,
              by_class: bool = True, capacity: str = "peak",
              families: Sequence[str] = FAMILIES, min_observations: int = 20,
              warm_up_days: float | None = None, run_days: float | None = None,
              replication: int | None = None, seed: int = 0) -> Calibration:
    """Calibrate a model from a workspace, a store, or simulation results.

    ``capacity`` is ``"peak"`` (the observed peak midnight census) or ``"none"`` (unlimited).
    Class-specific lengths of stay and routes are fitted where a class has at least
    ``min_observations`` stays. ``out`` writes the YAML there too.
    """
    if capacity not in ("peak", "none"):
        raise DataError(f"capacity must be 'peak' or 'none', got {capacity!r}")
    with opened(source, replication) as data:
        cal = _Calibrator(data, families, min_observations, by_class, seed)
        result = cal.run(name, capacity == "peak", warm_up_days, run_days)
    if out is not None:
        result.save(out)
    return result


class _Calibrator:
    def __init__(self, data: FlowData, families: Sequence[str], min_n: int, by_class: bool,
                 seed: int):
        self.data, self.families, self.min_n, self.seed = data, families, min_n, seed
        self.window = data.window
        stays = data.df("SELECT count(*) AS n FROM stays")
        if int(stays["n"].iloc[0]) == 0:
            raise DataError(f"{data.origin}: no stays to calibrate from")
        names = data.df("""
            SELECT DISTINCT service FROM stays
            UNION SELECT DISTINCT to_service FROM referrals WHERE to_service IS NOT NULL
        """)["service"].astype(str).tolist()
        self.services = _ids(sorted(names), set())
        classes = data.df("SELECT DISTINCT class FROM stays WHERE class IS NOT NULL")["class"]
        self.classes = sorted(classes.astype(str)) if by_class and len(classes) > 1 else []
        self.class_ids = _ids(self.classes, set())
        self.exits: dict[str, str] = {}
        self.fit_rows: list[dict[str, Any]] = []
        self.verdicts: list[tuple[str, str, str, str, str, str]] = []
        """(service, class, quantity, family used, verdict, reason) of every fitted number."""
        self.selective: set[str] = set()
        """Services that reject some referrals: every route to them needs an on_reject."""

    # -- helpers -------------------------------------------------------------------------
    def _klass(self, value: Any) -> str:
        return self.class_ids.get(str(value), DEFAULT_CLASS) if self.classes else DEFAULT_CLASS

    def _target_id(self, name: str) -> str:
        if name in self.services:
            return self.services[name]
        if name not in self.exits:
            self.exits.update(_ids([name], set(self.services.values()) | set(self.exits.values())))
        return self.exits[name]

    def _fit(self, days: np.ndarray, censored: np.ndarray, service: str, klass: str,
             quantity: str, what: str) -> _Choice | None:
        """Fit every family, check each against the data (best by AIC first), and choose the
        first that is not refused, else the empirical distribution (see
        :mod:`wholeflow.data.calibration.fit_check`). None when nothing could be fitted."""
        fits = fit_durations(days, censored, self.families, seed=self.seed)
        if not fits:
            return None
        seen = fit_check.observed(days, censored)
        checks = [fit_check.check(f, seen) for f in fits]
        used = next((k for k, c in enumerate(checks) if c.verdict != fit_check.REFUSED), None)
        for k, (f, c) in enumerate(zip(fits, checks, strict=True)):
            self._row(service, klass, quantity, f.family, f, c, seen, k == used)
        total = len(days)
        head = self._evidence(fits[0], total, what)
        if used is not None:
            fit, verdict = fits[used], checks[used]
            text = f"{head}; {self._verdict_text(verdict, seen)}"
            if used > 0:
                text = (f"{head}: {fits[0].family} refused ({checks[0].reason}); "
                        f"{fit.family}, next by AIC, used: {self._verdict_text(verdict, seen)}")
            self.verdicts.append((service, klass, quantity, fit.family, verdict.verdict,
                                  verdict.reason or seen.note))
            return _Choice(fit.distribution(), text, fits[0], verdict.verdict, fit.mean)
        dist = fit_check.empirical(days, censored)
        why = f"{fits[0].family} refused ({checks[0].reason})"
        if dist is None:
            self.verdicts.append((service, klass, quantity, fits[0].family, fit_check.REFUSED,
                                  why + "; no completed durations to fall back on"))
            return None
        mean = _quantile_mean(dist)
        self._row(service, klass, quantity, "empirical", None, None, seen, True, mean)
        self.verdicts.append((service, klass, quantity, "empirical", fit_check.CHECK,
                              f"{why}, as every family was: empirical distribution used"))
        return _Choice(dist, f"{head}: no family agrees with the data ({why}); the empirical "
                             f"distribution of the {_n(total - seen.n_censored)} completed "
                             f"durations is used (mean {mean:.3g} days)",
                       fits[0], fit_check.CHECK, mean)

    def _row(self, service: str, klass: str, quantity: str, family: str, f: Fit | None,
             c: fit_check.FitCheck | None, seen: fit_check.Observed, chosen: bool,
             mean: float = math.nan) -> None:
        nan = math.nan
        self.fit_rows.append(dict(zip(FIT_COLUMNS, (
            service, klass, quantity, family, f.aic if f else nan,
            f.ks_distance if f else nan, f.n if f else seen.n,
            f.n_censored if f else seen.n_censored, f.mean if f else mean, f.sd if f else nan,
            c.median if c else nan, c.p90 if c else nan, seen.mean, seen.median, seen.p90,
            c.verdict if c else fit_check.CHECK,
            (c.reason if c else "no family agreed with the data: empirical distribution"),
            chosen), strict=True)))

    @staticmethod
    def _verdict_text(c: fit_check.FitCheck, seen: fit_check.Observed) -> str:
        figures = (f"mean {c.mean:.3g}, median {c.median:.3g}, p90 {c.p90:.3g} days against "
                   f"{_maybe(seen.mean)}, {_maybe(seen.median)}, {_maybe(seen.p90)} observed "
                   f"({seen.note})")
        if c.verdict == fit_check.OK:
            return f"checked, ok: {figures}"
        return f"CHECK: {c.reason}; {figures}"

    @staticmethod
    def _evidence(fit: Fit, total: int, what: str) -> str:
        sample = f" (fitted on a random {_n(fit.n)})" if fit.n < total else ""
        return (f"{what}: n={_n(total)}{sample}, {_n(fit.n_censored)} still open (censored); "
                f"{fit.family} best by AIC; KS distance {fit.ks_distance:.3f}")

    # -- pieces ----------------------------------------------------------------------------
    def length_of_stay(self) -> dict[str, list[Entry]]:
        end = f"TIMESTAMP '{self.window.end}'"
        frame = self.data.df(f"""
            SELECT service, class,
                   CASE WHEN ready IS NOT NULL THEN {days_sql('ready', 'started')}
                        WHEN ended IS NOT NULL THEN {days_sql('ended', 'started')}
                        ELSE {days_sql(end, 'started')} END AS days,
                   ready IS NULL AND ended IS NULL AS censored
            FROM stays WHERE started IS NOT NULL AND NOT end_missing
        """)
        out: dict[str, list[Entry]] = {}
        for service, group in frame.groupby("service"):
            entries = []
            exact = group.loc[~group["censored"], "days"]
            if len(exact) and float(exact.max() - exact.min()) < 1e-9 and not group[
                    "censored"].any():
                out[str(service)] = [Entry("length_of_stay", _round(float(exact.iloc[0])),
                                           f"every stay lasted this long (n={len(group)})")]
                self.verdicts.append((str(service), "all", "length_of_stay", "fixed",
                                      fit_check.OK, f"every stay lasted this long "
                                                    f"(n={len(group)})"))
                continue
            choice = self._fit(group["days"].to_numpy(float),
                               group["censored"].to_numpy(bool), str(service), "all",
                               "length_of_stay", "days from start to ready")
            if choice is None:
                mean = max(float(group["days"].mean()), 1e-3)
                entries.append(Entry("length_of_stay", {"dist": "exponential",
                                                        "mean": _round(mean)},
                                     f"too few completed stays to fit (n={len(group)})"))
                self.verdicts.append((str(service), "all", "length_of_stay", "exponential",
                                      fit_check.CHECK, f"too few completed stays to fit "
                                                       f"(n={len(group)}): their mean"))
            else:
                entries.append(Entry("length_of_stay", choice.distribution, choice.evidence))
                entries += self._los_by_class(str(service), group, choice.fit)
            out[str(service)] = entries
        return out

    def _los_by_class(self, service: str, group: pd.DataFrame, pooled: Fit) -> list[Entry]:
        """Per-class lengths of stay, kept only when they beat the pooled fit on AIC."""
        classes = {str(k): sub for k, sub in group.groupby("class")}
        if len(classes) < 2 or set(classes) - set(self.class_ids) or any(
                len(sub) < self.min_n for sub in classes.values()):
            return []
        rows, verdicts = len(self.fit_rows), len(self.verdicts)
        fits = {k: self._fit(sub["days"].to_numpy(float), sub["censored"].to_numpy(bool),
                             service, k, "length_of_stay", k) for k, sub in classes.items()}
        split = sum(c.fit.aic_for(len(classes[k])) for k, c in fits.items() if c)
        if any(c is None for c in fits.values()) or split >= pooled.aic_for(len(group)):
            del self.fit_rows[rows:], self.verdicts[verdicts:]  # not written to the model
            return []
        return [Entry("length_of_stay_by_class", children=[
            Entry(self.class_ids[k], c.distribution, c.evidence)
            for k, c in sorted(fits.items()) if c],
            comment="by class: a better fit (AIC) than one distribution for all")]

    def referral(self) -> tuple[dict[str, Entry], dict[str, tuple[str, ...]]]:
        # referrals between services only: arrivals are admitted without triage in the model
        frame = self.data.df("""
            SELECT to_service AS service, referred, decided, accepted FROM referrals
            WHERE to_service IS NOT NULL AND from_service IS NOT NULL
        """)
        out: dict[str, Entry] = {}
        calendars: dict[str, tuple[str, ...]] = {}
        for service, group in frame.groupby("service"):
            decided = group[group["accepted"].notna()]
            children: list[Entry] = []
            days = open_weekdays(decided.loc[decided["decided"].notna(), "decided"])
            if len(days) < 7:
                calendars[str(service)] = days
                children.append(Entry("calendar", _calendar_id(days),
                                      "no decisions seen on other days"))
            if len(decided):
                accepted = int(decided["accepted"].astype(bool).sum())
                if accepted < len(decided):
                    self.selective.add(str(service))
                children.append(Entry("acceptance", _round(accepted / len(decided)),
                                      f"{_n(accepted)} of {_n(len(decided))} decided referrals "
                                      "accepted"))
            timed = decided[decided["decided"].notna() & decided["referred"].notna()]
            if len(timed) >= self.min_n:
                wait = open_days_between(timed["referred"], timed["decided"], days)
                children.append(self._triage(wait, str(service)))
            if children:
                out[str(service)] = Entry("referral", children=children)
        return out, calendars

    def _triage(self, wait: np.ndarray, service: str) -> Entry:
        wait = np.maximum(wait, 0.0)
        if np.median(wait) <= 1e-9:
            return Entry("triage_time", 0.0, f"median referral-to-decision time is 0 "
                                             f"(n={_n(len(wait))})")
        choice = self._fit(wait, np.zeros(len(wait), bool), service, "all", "triage_time",
                           "open days from referral to decision")
        if choice is None:
            return Entry("triage_time", _round(float(np.mean(wait))),
                         f"mean open days from referral to decision, n={_n(len(wait))}")
        return Entry("triage_time", choice.distribution, choice.evidence)

    def admits(self) -> dict[str, tuple[str, ...]]:
        frame = self.data.df("SELECT service, started FROM stays WHERE started IS NOT NULL")
        out = {}
        for service, group in frame.groupby("service"):
            days = open_weekdays(group["started"])
            if len(days) < 7:
                out[str(service)] = days
        return out

    def capacity(self) -> dict[str, tuple[int, str]]:
        rows = self.data.con.execute("""
            SELECT service, max(occupancy), CAST(arg_max(date, occupancy) AS DATE)
            FROM daily GROUP BY service
        """).fetchall()
        return {str(service): (int(peak), str(day)) for service, peak, day in rows}

    def assessments(self) -> dict[str, tuple[int, float, int]]:
        rows = self.data.con.execute("""
            SELECT service, avg(assessments), count(*) FROM stays
            WHERE assessments IS NOT NULL GROUP BY service
        """).fetchall()
        return {str(service): (round(float(mean)), float(mean), int(n))
                for service, mean, n in rows if mean and mean > 0}

    def routes(self) -> list[Entry]:
        frame = self.data.df("""
            WITH s AS (SELECT person, service, class, started, ended, destination FROM stays
                       WHERE ended IS NOT NULL),
                 f AS (SELECT s.person, s.service, s.started,
                              arg_min(r.to_service, r.referred) AS first_to,
                              arg_min(r.accepted, r.referred) AS first_accepted
                       FROM s JOIN referrals r ON r.person = s.person
                         AND r.from_service = s.service
                         AND r.referred >= s.started AND r.referred <= s.ended
                       GROUP BY ALL)
            SELECT s.service, s.class, coalesce(f.first_to, s.destination, 'unknown') AS target,
                   f.first_accepted AS accepted, coalesce(s.destination, 'unknown') AS final,
                   count(*) AS n
            FROM s LEFT JOIN f USING (person, service, started) GROUP BY ALL
        """)
        frame["klass"] = frame["class"].map(self._klass)
        entries = []
        for service in sorted(self.services):
            mine = frame[frame["service"] == service]
            if mine.empty:
                entries.append(Entry(self.services[service], items=[(
                    {"to": self._target_id(UNKNOWN_EXIT), "probability": 1.0},
                    "no completed stays: destination unknown")]))
                continue
            per_class = {str(k): g for k, g in mine.groupby("klass")
                         if g["n"].sum() >= self.min_n}
            if len(per_class) > 1 and _classes_differ(mine):
                children = [Entry("default", items=self._route_items(mine))]
                children += [Entry(k, items=self._route_items(g))
                             for k, g in sorted(per_class.items())]
                entries.append(Entry(self.services[service], children=children))
            else:
                entries.append(Entry(self.services[service], items=self._route_items(mine)))
        return entries

    def _route_items(self, frame: pd.DataFrame) -> list[tuple[Any, str | None]]:
        totals = frame.groupby("target")["n"].sum().sort_values(ascending=False)
        total = int(totals.sum())
        probs = _probabilities(totals.to_numpy(float))
        items: list[tuple[Any, str | None]] = []
        for (target, count), p in zip(totals.items(), probs, strict=True):
            route: dict[str, Any] = {"to": self._target_id(str(target)), "probability": p}
            note = f"{_n(count)} of {_n(total)} completed stays"
            rejected = frame[(frame["target"] == target) & (frame["accepted"] == False)]  # noqa: E712
            if target in self.services and len(rejected):
                after = rejected.groupby("final")["n"].sum().sort_values(ascending=False)
                after = after[after.index != target]
                if len(after):
                    route["on_reject"] = self._target_id(str(after.index[0]))
                    note += (f"; {_n(rejected['n'].sum())} rejected, most went to "
                             f"{after.index[0]}")
            if target in self.selective and "on_reject" not in route:
                usual = self._usual_exit(frame)
                route["on_reject"] = self._target_id(usual)
                note += (f"; no rejections seen on this route: a rejected person is taken to "
                         f"go where most leave from here ({usual})")
            items.append((route, note))
        return items

    def _usual_exit(self, frame: pd.DataFrame) -> str:
        """Where most people leaving a service go when they leave the system."""
        exits = frame[~frame["final"].isin(list(self.services))]
        if exits.empty:
            return UNKNOWN_EXIT
        return str(exits.groupby("final")["n"].sum().idxmax())

    def arrivals(self) -> list[Entry]:
        start, end = f"TIMESTAMP '{self.window.start}'", f"TIMESTAMP '{self.window.end}'"
        frame = self.data.df(f"""
            SELECT service, class, coalesce(referred, started) AS arrived_at,
                   journey > 1 AS returning
            FROM stays
            WHERE stint = 1 AND coalesce(referred, started) BETWEEN {start} AND {end}
        """)
        entries = []
        for (service, returning), group in frame.groupby(["service", "returning"]):
            entries.append(self._arrival_stream(str(service), bool(returning), group))
        return entries

    def _arrival_stream(self, service: str, returning: bool, group: pd.DataFrame) -> Entry:
        """One arrival stream: people new to the system, or re-attendances (people seen in
        the extract before, coming back after they had left: a known person's return)."""
        days = self.window.days
        weekdays = pd.Series(pd.date_range(self.window.start.floor("D"), self.window.end,
                                           freq="D").day_of_week).value_counts()
        n = len(group)
        if returning:
            key = model_id(f"{service}_reattendances")
            said = (f"{_n(n)} re-attendances over {days:.1f} days: people seen earlier in the "
                    "extract who came back here after leaving (known people, not new ones)")
        else:
            key = model_id(f"{service}_arrivals")
            said = (f"{_n(n)} people entered the system here over {days:.1f} days"
                    " (first time in the extract)")
        children = [Entry("service", self.services[service]),
                    Entry("per_day", _round(n / days), said)]
        if n >= 7 * self.min_n:
            counts = group["arrived_at"].dt.day_of_week.value_counts()
            rates = np.array([counts.get(d, 0) / max(weekdays.get(d, 1), 1)
                              for d in range(7)], float)
            profile = {WEEKDAYS[d]: round(float(r / rates.mean()), 3)
                       for d, r in enumerate(rates)}
            children.append(Entry("weekday_profile", profile,
                                  "arrivals per weekday relative to the mean"))
        if self.classes:
            mix = group["class"].map(self._klass).value_counts()
            children.append(Entry("class_mix", dict(zip(
                map(str, mix.index), _probabilities(mix.to_numpy(float)), strict=True)),
                f"classes of the {_n(n)} arrivals"))
        return Entry(key, children=children)

    # -- assembly ----------------------------------------------------------------------------
    def run(self, name: str, with_capacity: bool, warm_up: float | None,
            run_days: float | None) -> Calibration:
        los = self.length_of_stay()
        referral, triage_calendars = self.referral()
        admits = self.admits()
        peaks = self.capacity() if with_capacity else {}
        assessments = self.assessments()
        routes = self.routes()
        arrivals = self.arrivals()
        calendars = {_calendar_id(d): d for d in [*triage_calendars.values(), *admits.values()]}
        services = []
        for service, sid in sorted(self.services.items(), key=lambda kv: kv[1]):
            children = [Entry("name", service)] if sid != service else []
            if service in peaks:
                peak, day = peaks[service]
                children.append(Entry("capacity", peak, f"peak midnight census ({day}); "
                                      "a starting point, not a measured capacity"))
            children += los.get(service, [Entry("length_of_stay", {"dist": "exponential",
                                                                   "mean": 1.0},
                                                "no stays: placeholder")])
            if service in admits:
                children.append(Entry("admits", _calendar_id(admits[service]),
                                      "no one started on other days"))
            if service in referral:
                children.append(referral[service])
            if service in assessments:
                rounded, mean, n = assessments[service]
                children.append(Entry("assessments", rounded,
                                      f"mean {mean:.2f} per stay, n={_n(n)}"))
            services.append(Entry(sid, children=children))
        mean_los = [f["mean"] for f in self.fit_rows
                    if f["chosen"] and f["quantity"] == "length_of_stay" and f["class"] == "all"]
        total_days = self.window.days
        if warm_up is None:
            warm_up = float(min(max(30.0, 3 * max(mean_los, default=10.0)), 180.0,
                                math.floor(total_days / 2)))
        if run_days is None:
            run_days = max(total_days - warm_up, 1.0)
        entries = [
            Entry("name", name),
            Entry("description", f"Calibrated from {self.data.origin}"),
            Entry("start_date", self.window.start.date()),
            Entry("warm_up_days", _round(warm_up), "starts empty like the extract; results "
                  "count after this"),
            Entry("run_days", _round(run_days), f"the rest of the {total_days:.1f}-day extract"),
        ]
        if calendars:
            entries.append(Entry("calendars", children=[
                Entry(cid, children=[Entry("days", list(days))])
                for cid, days in sorted(calendars.items())]))
        if self.classes:
            entries.append(Entry("classes", children=[
                Entry(cid, children=[Entry("name", name)] if cid != name else [])
                for name, cid in self.class_ids.items()]))
        entries.append(Entry("services", children=services))
        entries.append(Entry("exits", children=[
            Entry(eid, children=[Entry("name", _exit_name(ename))] if eid != ename else [])
            for ename, eid in sorted(self.exits.items(), key=lambda kv: kv[1])]))
        entries.append(Entry("arrivals", children=arrivals))
        entries.append(Entry("routes", children=routes))
        header = [
            f"Calibrated by wholeflow on {dt.date.today()} from {self.data.origin}.",
            f"Extract: {self.window.start.date()} to {self.window.end} "
            f"({total_days:.1f} days). Each number says where it came from (n = observations).",
            "Review it before use: capacities are observed peaks, not known bed numbers.",
        ]
        text = render(entries, header)
        from wholeflow.model import parse_model

        model = parse_model(text, f"<calibrated from {self.data.origin}>")
        ids = {**self.services, **self.exits}
        verdicts = pd.DataFrame(self.verdicts, columns=list(VERDICT_COLUMNS))
        return Calibration(model, text, pd.DataFrame(self.fit_rows, columns=list(FIT_COLUMNS)),
                           ids, verdicts)


def _classes_differ(frame: pd.DataFrame) -> bool:
    """Do routes differ by class? Per-class shares must beat shared ones on AIC."""
    counts = frame.pivot_table(index="klass", columns="target", values="n", aggfunc="sum",
                               fill_value=0).to_numpy(float)
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return False

    def loglik(table: np.ndarray) -> float:
        shares = table / table.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.nansum(np.where(table > 0, table * np.log(shares), 0.0)))

    k = counts.shape[1] - 1
    pooled = 2 * k - 2 * loglik(counts.sum(axis=0, keepdims=True))
    split = 2 * k * counts.shape[0] - 2 * loglik(counts)
    return split < pooled


def _exit_name(name: str) -> str:
    return "destination not recorded" if name == UNKNOWN_EXIT else name


def _calendar_id(days: tuple[str, ...]) -> str:
    if days == WEEKDAYS[:5]:
        return "weekdays"
    return "open_" + "_".join(days) if days else "never"


def _maybe(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "-"


def _quantile_mean(dist: dict[str, Any]) -> float:
    """Mean of an empirical distribution given by quantiles (linear between them)."""
    points = sorted(dist["quantiles"].items())
    return float(sum((p1 - p0) * (v0 + v1) / 2
                     for (p0, v0), (p1, v1) in itertools.pairwise(points)))


def _probabilities(counts: np.ndarray) -> list[float]:
    """Shares rounded to 4 decimals that still sum to exactly 1."""
    shares = np.round(counts / counts.sum(), 4)
    shares[int(np.argmax(shares))] += round(1.0 - float(shares.sum()), 4)
    return [round(float(s), 4) for s in shares]
