"""Waiters and buffered events: how a ``wait_for`` node meets the event it waits for.

A waiter is a task token waiting for ``(event, key)``; an event that finds no waiter is buffered
with a TTL. Both are consumed with conditional deletes, so two concurrent callers never get the
same waiter or event, and :meth:`WaiterStore.claim_buffered_event` /
:meth:`WaiterStore.claim_waiter` delete a waiter and an event together (one atomic delete),
which closes the race of an event published while a waiter registers.
"""

from __future__ import annotations

import uuid
from typing import Any

from orchestrator.constants import DEFAULT_EVENT_TTL_SECONDS
from orchestrator.store import items as it
from orchestrator.store.exceptions import ConditionFailedError
from orchestrator.store.hooks import StoreHooks
from orchestrator.store.models import BufferedEvent, Waiter, format_time

__all__ = ["WaiterStore"]


class WaiterStore(StoreHooks):
    """The waiter and buffered-event half of the run store, over the backend hooks."""

    def register_waiter(
        self, event: str, key: str, *, run_id: str, node: str, token: str, expires_in: int
    ) -> Waiter:
        """Store a task token waiting for ``(event, key)``; it expires after ``expires_in`` s."""
        waiter = Waiter(
            event, key, run_id, node, token, self.now(), int(self.clock()) + int(expires_in)
        )
        self._put_item(it.waiter_item(waiter))
        return waiter

    def list_waiters(self, event: str, key: str) -> list[Waiter]:
        """Live (unexpired) waiters of ``(event, key)``, without consuming them."""
        limit = self.clock()
        found = (it.waiter_from_item(i) for i in self._query(it.event_pk(event, key), "WAIT#"))
        return [w for w in found if w.expires_at > limit]

    def take_waiters(self, event: str, key: str) -> list[Waiter]:
        """Consume every waiter of ``(event, key)``; each is returned to exactly one caller.

        Expired waiters are deleted too but not returned.
        """
        taken = []
        for item in self._query(it.event_pk(event, key), "WAIT#"):
            try:
                old = self._delete_item((item["PK"], item["SK"]))
            except ConditionFailedError:
                continue  # another caller took it
            waiter = it.waiter_from_item(old)
            if waiter.expires_at > self.clock():
                taken.append(waiter)
        return taken

    def drop_waiters(self, event: str, key: str, run_id: str) -> int:
        """Delete the waiters of ``(event, key)`` registered by ``run_id`` (a run that stopped
        waiting: an event published later is then buffered, not sent to it); returns how many."""
        dropped = 0
        for item in self._query(it.event_pk(event, key), f"WAIT#{run_id}#"):
            try:
                self._delete_item((item["PK"], item["SK"]))
            except ConditionFailedError:
                continue  # taken meanwhile
            dropped += 1
        return dropped

    def buffer_event(
        self,
        event: str,
        key: str,
        data: Any,
        *,
        ttl_seconds: int = DEFAULT_EVENT_TTL_SECONDS,
        event_id: str | None = None,
    ) -> BufferedEvent:
        """Keep an event that found no waiter for ``ttl_seconds``."""
        now = self.clock()
        buffered = BufferedEvent(
            event,
            key,
            event_id or uuid.uuid4().hex,
            data,
            format_time(now),
            int(now) + int(ttl_seconds),
        )
        self._put_item(it.buffered_event_item(buffered))
        return buffered

    def list_buffered_events(self, event: str, key: str) -> list[BufferedEvent]:
        """Live buffered events of ``(event, key)``, oldest first, without consuming them."""
        found = (
            it.buffered_event_from_item(i) for i in self._query(it.event_pk(event, key), "EVT#")
        )
        return [e for e in found if e.expires_at > self.clock()]

    def take_buffered_event(self, event: str, key: str) -> BufferedEvent | None:
        """Consume the oldest live buffered event of ``(event, key)`` (once, for one caller)."""
        for buffered in self.list_buffered_events(event, key):
            try:
                self._delete_item(_event_key(buffered))
            except ConditionFailedError:
                continue
            return buffered
        return None

    def claim_buffered_event(self, waiter: Waiter) -> BufferedEvent | None:
        """Consume the oldest buffered event *together with* ``waiter`` (one atomic delete).

        None when there is no buffered event, or when the waiter is gone (another caller took it
        and resumes it). This closes the race of an event published while a waiter registers.
        """
        for buffered in self.list_buffered_events(waiter.event, waiter.key):
            try:
                self._delete_items([_waiter_key(waiter), _event_key(buffered)])
            except ConditionFailedError:
                if self._get_item(_waiter_key(waiter)) is None:
                    return None
                continue
            return buffered
        return None

    def claim_waiter(self, buffered: BufferedEvent) -> Waiter | None:
        """Consume one live waiter *together with* the buffered event (one atomic delete).

        None when there is no waiter, or when the event is gone (a waiter consumed it).
        """
        for waiter in self.list_waiters(buffered.event, buffered.key):
            try:
                self._delete_items([_waiter_key(waiter), _event_key(buffered)])
            except ConditionFailedError:
                if self._get_item(_event_key(buffered)) is None:
                    return None
                continue
            return waiter
        return None


def _waiter_key(waiter: Waiter) -> it.Key:
    return it.event_pk(waiter.event, waiter.key), f"WAIT#{waiter.run_id}#{waiter.node}"


def _event_key(buffered: BufferedEvent) -> it.Key:
    return it.event_pk(
        buffered.event, buffered.key
    ), f"EVT#{buffered.published_at}#{buffered.event_id}"
