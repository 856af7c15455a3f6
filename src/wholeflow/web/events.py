"""Room mode: one stream of server-sent events shared by every connected browser.

:class:`EventBroker` fans each published event out to every subscriber. ``publish`` may be
called from any thread (the run worker publishes progress from its own thread); each subscriber
is an asyncio queue drained by the ``/events`` response of one browser. A slow browser never
holds the others back: its queue is bounded and, when full, it loses its oldest events (the
page then refetches what it shows on the next event).

Event names (``event:`` field of the stream), with JSON ``data``:

- ``run_queued``, ``run_started``, ``run_progress`` (``done``, ``total``), ``run_finished``,
  ``run_failed``, ``run_cancelled`` — each with ``id``, ``label``;
- ``finding_added``, ``finding_changed`` — with ``id``, ``text``, ``services``;
- ``scenario_saved`` — with ``name``.

Pages listen with the htmx SSE extension, e.g. ``hx-trigger="sse:finding_added"`` on an element
that refetches its fragment.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

#: Seconds between keep-alive comments on an idle stream (proxies and browsers drop silent ones).
KEEPALIVE = 15.0
#: Events kept for one slow subscriber before its oldest are dropped.
QUEUE_SIZE = 256


@dataclass(frozen=True)
class Event:
    """One event: ``id`` increases by one per event published by this server."""

    id: int
    name: str
    data: dict[str, Any]

    def encode(self) -> str:
        """The event in the text/event-stream format."""
        payload = json.dumps(self.data, default=str, separators=(",", ":"))
        return f"id: {self.id}\nevent: {self.name}\ndata: {payload}\n\n"


class _Subscriber:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)

    def put(self, event: Event) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class EventBroker:
    """Fan-out of events to every connected browser; thread-safe ``publish``."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._subscribers: set[_Subscriber] = set()
        self._listeners: list[Any] = []  # plain callables (tests, the benchmark)

    @property
    def subscribers(self) -> int:
        """How many browsers are listening now."""
        with self._lock:
            return len(self._subscribers)

    def publish(self, event_name: str, /, **data: Any) -> Event:
        """Send event ``event_name`` with ``data`` to every subscriber (from any thread)."""
        with self._lock:
            event = Event(next(self._ids), event_name, data)
            subscribers = list(self._subscribers)
            listeners = list(self._listeners)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.put, event)
            except RuntimeError:  # that browser's loop has closed: it is gone
                self._drop(sub)
        for listener in listeners:
            listener(event)
        return event

    def listen(self, callback: Any) -> None:
        """Call ``callback(event)`` on every event, in the publishing thread."""
        with self._lock:
            self._listeners.append(callback)

    def _drop(self, sub: _Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    async def stream(self, keepalive: float = KEEPALIVE,
                     limit: int | None = None) -> AsyncIterator[str]:
        """The text/event-stream of one browser: a ``retry`` hint, then events as they come,
        with a keep-alive comment when idle. ``limit`` stops after that many events (tests)."""
        sub = _Subscriber(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.add(sub)
        try:
            yield "retry: 2000\n: connected\n\n"
            sent = 0
            while limit is None or sent < limit:
                try:
                    event = await asyncio.wait_for(sub.queue.get(), keepalive)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield event.encode()
                sent += 1
        finally:
            self._drop(sub)
