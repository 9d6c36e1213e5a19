"""Unit of work: one transaction, the events it raises written to the outbox inside it."""
from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .clock import Clock, utcnow
from .db import SpineTables
from .events import Event, topic_for


__all__ = ["UnitOfWork", "utcnow"]


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — rolls back unless committed.

    ``emit`` stages an event in the outbox table of the same transaction, so the
    state change and the events it causes commit together or not at all.
    """

    def __init__(self, sessions: async_sessionmaker, spine: SpineTables, source: str,
                 outbox_signal: asyncio.Event | None = None, clock: Clock | None = None) -> None:
        self._sessions = sessions
        self.clock = clock or Clock()  # the district's day, for use cases and event handlers alike
        self.spine = spine
        self.source = source
        self._signal = outbox_signal
        self.session: AsyncSession
        self.events: list[Event] = []
        self._rows: list[dict[str, Any]] = []

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessions()
        await self.session.begin()
        self.events = []
        self._rows = []
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    def emit(self, type: str, subject: str, data: dict[str, Any], *, key: str | None = None) -> Event:
        event = Event(type=type, source=f"/{self.source}", subject=str(subject), data=data)
        self.events.append(event)
        self._rows.append({
            "event_id": event.id, "topic": topic_for(type), "key": str(key or subject),
            "type": type, "payload": event.to_json(), "created_at": utcnow(),
        })
        return event

    async def flush_events(self) -> None:
        if self._rows:
            await self.session.execute(self.spine.outbox.insert(), self._rows)
            self._rows = []

    async def commit(self) -> None:
        await self.flush_events()
        await self.session.commit()
        if self.events and self._signal is not None:
            self._signal.set()

    async def rollback(self) -> None:
        self._rows = []
        await self.session.rollback()
