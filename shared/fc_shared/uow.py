"""Unit of work: one transaction, the events it raises written to the outbox inside it."""
from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import audit
from .clock import Clock, utcnow
from .db import SpineTables
from .event_models import Payload, build
from .events import Event, topic_for


__all__ = ["UnitOfWork", "utcnow"]


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — rolls back unless committed.

    ``emit`` stages an event in the outbox table of the same transaction, so the
    state change and the events it causes commit together or not at all. Likewise every
    row the session inserts, updates or deletes on the service's tables is staged as an
    audit entry (``fc_shared.audit``) and appended to the chain by ``commit``.
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
        self._actor: audit.Actor | None = None
        self._audit: list[dict[str, Any]] = []
        self._route: str | None = None
        self._after_commit: list[Any] = []
        # Reads the transaction may reuse, by name: e.g. every event of a consumer's batch reads the same
        # subscriptions. Only for rows the transaction itself never changes; emptied with each transaction.
        self.memo: dict[str, Any] = {}

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessions()
        await self.session.begin()
        self.events = []
        self._rows = []
        self._audit = []
        self._after_commit = []
        self.memo = {}
        if self.spine.audit is not None:
            sa_event.listen(self.session.sync_session, "do_orm_execute", audit.StatementWatcher(self))
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    def emit(self, type: str, subject: str, data: Payload | dict[str, Any], *, key: str | None = None,
             event_id: str | None = None) -> Event:
        """Stage one event; ``data`` (a payload model or a dict) must match the type's contract
        (``fc_shared.event_models``): an unknown type or an off-contract payload raises here, before any commit.
        ``event_id`` gives the event an id chosen beforehand (e.g. one already written beside it); default a new
        UUID."""
        event = Event(type=type, source=f"/{self.source}", subject=str(subject), data=build(type, data),
                      **({"id": event_id} if event_id is not None else {}))
        self.events.append(event)
        self._rows.append({
            "event_id": event.id, "topic": topic_for(type), "key": str(key or subject),
            "type": type, "payload": event.to_json(), "created_at": utcnow(),
        })
        return event

    def act_for_event(self, event: Event) -> None:
        """Writes made by an event handler are recorded with the event id as the actor."""
        self._actor = audit.Actor(actor=event.id, role="event", scope=event.source)
        self._route = event.type

    def act_as(self, actor: audit.Actor) -> None:
        """Name the actor explicitly (a route authenticated without a bearer token)."""
        self._actor = actor

    def audit_actor(self) -> audit.Actor | None:
        if self._actor is not None:
            return self._actor
        ctx = audit.audit_request_var.get()
        return ctx.actor if ctx is not None else None

    def stage_audit(self, actor: audit.Actor, action: str, resource: str, resource_id: str | None,
                    changes: dict[str, list[Any]]) -> None:
        ctx = audit.audit_request_var.get()
        self._audit.append({
            "actor": actor.actor[:200], "role": actor.role[:40], "scope": actor.scope and actor.scope[:120],
            "request_id": ctx.request_id if ctx is not None else None,
            "route": ((ctx.route_name() if ctx is not None else None) or self._route or "")[:200] or None,
            "action": action, "resource": resource[:80], "resource_id": resource_id and resource_id[:200],
            "changes": audit.canonical(changes),
        })

    async def flush_events(self) -> None:
        if self._rows:
            await self.session.execute(self.spine.outbox.insert(), self._rows)
            self._rows = []

    async def commit(self) -> None:
        await self.flush_events()
        if self._audit:
            entries, self._audit = self._audit, []
            await audit.append(self.session, self.spine.audit, entries, utcnow())
        await self.session.commit()
        if self.events and self._signal is not None:
            self._signal.set()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback) -> None:
        """Call ``callback()`` once this transaction has committed (not at all if it rolls back): e.g. wake a
        worker that waits for the rows just written."""
        self._after_commit.append(callback)

    async def rollback(self) -> None:
        self._rows = []
        self._after_commit = []
        self._audit = []
        await self.session.rollback()
