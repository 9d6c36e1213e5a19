"""Audit log (操作审计): who changed what, when, from what to what — one tamper-evident chain per service.

How entries come about: the unit of work watches every INSERT, UPDATE and DELETE its session
executes on the service's own tables (a ``do_orm_execute`` hook), reads the affected rows before
and after, and stages one entry per changed row; ``commit`` appends the staged entries to the
chain in the same transaction as the change. Watching the statements rather than asking each use
case to report itself means a new write route cannot forget to audit, and the old values are
what the database held, not what the use case believed.

Who the actor is: a request's principal (set by ``current_principal`` on the request's
``AuditRequest``), or the event id for writes by event handlers (``UnitOfWork.act_for_event``).
Writes with neither — the background jobs (relay, deadline watcher, delivery worker) — are not
audited. The spine tables (outbox, inbox, idempotency keys) and the log itself are not audited.

Tamper evidence: each entry's ``hash`` is SHA-256 over its content and ``prev_hash``, the hash
of the entry before it. Appends are serialised (PostgreSQL: a transaction-scoped advisory lock
taken at commit, after the change's own row locks, so it cannot deadlock with them; SQLite:
``BEGIN IMMEDIATE`` already serialises writers), so concurrent writers keep one unbroken chain.
"""
from __future__ import annotations

import hashlib
import json
import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (BindParameter, Column, Index, MetaData, String, Table, Text, and_, bindparam, delete, insert,
                        select, text, tuple_)
from sqlalchemy.dialects.postgresql import dml as pg_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.sql.elements import ClauseElement

from .db import BigIntPK, UtcDateTime

TABLE_NAME = "audit_log"
MASK = "***"
# Secrets and personal data never enter the log: webhook/integration secrets, tokens, passwords,
# phone numbers and e-mail addresses (the column names) and any value that is a webhook secret.
MASKED_COLUMN = re.compile(r"(secret|token|password|passwd|phone|mobile|email|to_address|addresses)$", re.I)
MASKED_VALUE = re.compile(r"^whsec_")
ADVISORY_LOCK_KEY = 0x66636175646974  # "fcaudit": one chain per database, so one constant key
NOT_AUDITED = {"outbox", "inbox", "idempotency_keys", TABLE_NAME}


def audit_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME, metadata,
        Column("seq", BigIntPK, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=False, index=True),
        Column("actor", String(200), nullable=False, index=True),
        Column("role", String(40), nullable=False),
        Column("scope", String(120), nullable=True),
        Column("request_id", String(100), nullable=True),
        Column("route", String(200), nullable=True),
        Column("action", String(20), nullable=False),
        Column("resource", String(80), nullable=False),
        Column("resource_id", String(200), nullable=True),
        Column("changes", Text, nullable=False),  # canonical JSON {field: [old, new]}
        Column("prev_hash", String(64), nullable=True),
        Column("hash", String(64), nullable=False),
        Index("ix_audit_log_resource_resource_id", "resource", "resource_id"),
    )


@dataclass(frozen=True)
class Actor:
    actor: str  # the token's sub, or the event id
    role: str  # the token's role, or "event"
    scope: str | None = None  # street_code / department_code / scope, or the event's source


@dataclass
class AuditRequest:
    """One HTTP request's audit context; the auth dependency fills in the actor and the route."""

    request_id: str
    actor: Actor | None = None
    route: str | None = None
    scope: dict | None = None  # the ASGI scope: the router records the matched route in it

    def route_name(self) -> str | None:
        if self.route is None and self.scope is not None and (route := self.scope.get("route")) is not None:
            self.route = f"{self.scope.get('method')} {route.path}"
        return self.route


audit_request_var: ContextVar[AuditRequest | None] = ContextVar("audit_request", default=None)


def set_request_actor(actor: Actor, route: str | None = None) -> None:
    """Name who acts in the current request (the auth dependency; also routes authenticated otherwise)."""
    ctx = audit_request_var.get()
    if ctx is not None:
        ctx.actor = actor
        if route:
            ctx.route = route


# -- values and masking ---------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A column value as JSON: dates ISO, decimals and other objects as strings."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return str(value)


def is_masked(field: str) -> bool:
    return bool(MASKED_COLUMN.search(field))


def _masked(field: str, value: Any) -> Any:
    """The value with secrets and personal data replaced by ``***``, nested JSON objects included."""
    if value is None:
        return None
    if is_masked(field) or (isinstance(value, str) and MASKED_VALUE.match(value)):
        return MASK
    if isinstance(value, dict):
        return {k: _masked(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(field, v) for v in value]
    return value


def changes_between(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """field → [old, new] for the fields that differ (a masked field shows only that it changed)."""
    before, after = before or {}, after or {}
    out: dict[str, list[Any]] = {}
    for field in sorted(set(before) | set(after)):
        old, new = plain(before.get(field)), plain(after.get(field))
        if old != new:
            out[field] = [_masked(field, old), _masked(field, new)]
    return out


# -- the chain ------------------------------------------------------------------------------------

def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


HASHED = ("actor", "role", "scope", "request_id", "route", "action", "resource", "resource_id", "changes",
          "prev_hash")


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the entry's content (``changes`` as stored text) and the previous entry's hash."""
    content = {name: entry.get(name) for name in HASHED}
    content["at"] = stamp(entry["at"])
    return hashlib.sha256(canonical(content).encode()).hexdigest()


async def append(session, table: Table, entries: list[dict[str, Any]], at: datetime) -> None:
    """Append staged entries at the chain's head, serialised against every other writer."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    head = (await session.execute(select(table.c.hash).order_by(table.c.seq.desc()).limit(1))).scalar()
    rows = []
    for entry in entries:
        row = {**entry, "at": at, "prev_hash": head}
        row["hash"] = head = entry_hash(row)
        rows.append(row)
    await session.execute(insert(table), rows)


async def verify_chain(session, table: Table, *, anchored: bool = True, batch: int = 1000) -> dict[str, Any]:
    """Recompute every hash and link in order. ``anchored``: the first entry must start the chain
    (False once retention has removed the oldest entries: then the first kept entry is the anchor)."""
    checked, last_hash, last_seq = 0, None, None
    while True:
        query = select(table).order_by(table.c.seq).limit(batch)
        if last_seq is not None:
            query = query.where(table.c.seq > last_seq)
        rows = [dict(r._mapping) for r in (await session.execute(query)).all()]
        if not rows:
            return {"ok": True, "entries": checked, "head": last_hash, "first_broken": None}
        for row in rows:
            linked = row["prev_hash"] == last_hash if (checked or anchored) else True
            reason = None
            if not linked:
                reason = "prev_hash does not match the previous entry (an entry was removed or reordered)"
            elif entry_hash(row) != row["hash"]:
                reason = "hash does not match the entry's content (the entry was altered)"
            if reason:
                return {"ok": False, "entries": checked, "head": last_hash,
                        "first_broken": {"seq": row["seq"], "at": row["at"], "reason": reason}}
            checked, last_hash, last_seq = checked + 1, row["hash"], row["seq"]


async def prune(session, table: Table, older_than: datetime) -> int:
    """Retention: drop entries older than a moment (the next kept entry becomes the chain's anchor)."""
    result = await session.execute(delete(table).where(table.c.at < older_than))
    return result.rowcount or 0


def retention_cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


# -- watching the statements ----------------------------------------------------------------------

_BY_KEY: dict[Table, Any] = {}


def _by_key(table: Table):
    """``SELECT`` of one row by its primary key, built once per table with the key as bound parameters
    (``key_<column>``): building it around the values cost more than running it (issue 15's chain profile)."""
    stmt = _BY_KEY.get(table)
    if stmt is None:
        stmt = _BY_KEY[table] = select(table).where(and_(
            *(c == bindparam(f"key_{c.name}") for c in table.primary_key.columns)))
    return stmt


_SERVER_FILLED: dict[Table, tuple[str, ...]] = {}


def _server_filled(table: Table) -> tuple[str, ...]:
    """The columns of ``table`` the database may fill in itself (a server default, a computed column): an inserted
    row's value there is known only when the INSERT gave it, else by reading the row back. (A generated key is
    known: ``inserted_primary_key``.)"""
    known = _SERVER_FILLED.get(table)
    if known is None:
        known = _SERVER_FILLED[table] = tuple(
            c.key for c in table.columns
            if c.server_default is not None or c.server_onupdate is not None or c.computed is not None
            or (c.identity is not None and not c.primary_key))
    return known


def _pk_of(table: Table, row) -> tuple:
    """The row's primary key, compared as text: a key given as a UUID or an int matches the one read back."""
    return tuple(str(plain(row[c.name])) for c in table.primary_key.columns)


def _resource_id(table: Table, row: dict[str, Any]) -> str | None:
    """The row's ``id`` where it has one (the id the API shows), else its primary key."""
    if "id" in table.c and row.get("id") is not None:
        return str(plain(row["id"]))
    parts = [row.get(c.name) for c in table.primary_key.columns]
    if any(p is None for p in parts):
        return None
    return "/".join(str(plain(p)) for p in parts)


def _column_name(key) -> str | None:
    """A ``values()`` key as a column key: given as a string or as the column itself."""
    return key if isinstance(key, str) else getattr(key, "key", None)


def _statement_values(statement, table: Table) -> dict[str, Any] | None:
    """A single-row ``insert(...).values(...)``'s values as its compiled parameters would show them (columns
    with a Python-side default and no value: None), read off the statement: compiling it for its parameters
    cost more than the INSERT itself (issue 15's profile). None when it holds anything but plain values."""
    if getattr(statement, "_multi_values", None) or getattr(statement, "_ordered_values", None):
        return None
    values: dict[str, Any] = {}
    for key, value in (getattr(statement, "_values", None) or {}).items():
        name = _column_name(key)
        if name is None or not isinstance(value, BindParameter) or value.callable is not None:
            return None
        values[name] = value.value
    for column in table.columns:
        if column.default is not None and column.key not in values:
            values[column.key] = None
    return values


def _multi_rows(statement, table: Table) -> list[dict[str, Any]] | None:
    """A multi-row ``insert(...).values([...])``'s rows, by column name; None unless it holds plain values."""
    multi = getattr(statement, "_multi_values", None)
    if not multi or len(multi) != 1:
        return None
    rows = []
    for given in multi[0]:
        row: dict[str, Any] = {}
        for key, value in given.items():
            name = _column_name(key)
            if name is None or name not in table.c or isinstance(value, ClauseElement):
                return None
            row[name] = value
        rows.append(row)
    return rows


def _insert_rows(state, table: Table) -> list[dict[str, Any]]:
    params = state.parameters
    if isinstance(params, list):
        return [{k: v for k, v in p.items() if k in table.c} for p in params]
    multi = _multi_rows(state.statement, table)
    if multi is not None:
        return multi
    values = _statement_values(state.statement, table)
    if values is None:
        compiled = state.statement.compile(dialect=state.session.get_bind().dialect)
        values = compiled.params
    values = {k: v for k, v in values.items() if k in table.c}
    values.update({k: v for k, v in (params or {}).items() if k in table.c})
    return [values]


def _ignores_conflicts(statement) -> bool:
    """An ``INSERT … ON CONFLICT DO NOTHING … RETURNING``: it inserts its row or changes nothing, and says which."""
    clause = getattr(statement, "_post_values_clause", None)
    return isinstance(clause, (pg_dml.OnConflictDoNothing, sqlite_dml.OnConflictDoNothing)) and bool(
        getattr(statement, "_returning", None))


class StatementWatcher:
    """The ``do_orm_execute`` hook: stages an entry for each row an INSERT/UPDATE/DELETE changed."""

    def __init__(self, uow) -> None:
        self.uow = uow

    def __call__(self, state):
        if not (state.is_insert or state.is_update or state.is_delete):
            return None
        table = getattr(state.statement, "table", None)
        if not isinstance(table, Table) or table.name in NOT_AUDITED:
            return None
        actor = self.uow.audit_actor()
        if actor is None:
            return None
        session = state.session
        pk_names = [c.name for c in table.primary_key.columns]
        if state.is_insert:
            rows = _insert_rows(state, table)
            keyed = bool(rows) and all(row.get(n) is not None for row in rows for n in pk_names)
            # A plain INSERT either adds its rows or fails: only an upsert (ON CONFLICT) can meet a row before it.
            upsert = getattr(state.statement, "_post_values_clause", None) is not None
            if len(rows) > 1:
                # Rows an upsert met already there are read (one SELECT before, one after) and left out when
                # unchanged; a plain multi-row INSERT adds every row as given.
                befores = self._read_many(session, table, rows) if keyed and upsert else {}
                result = state.invoke_statement()
                afters = self._read_many(session, table, rows) if keyed and upsert else {}
                for row in rows:
                    if keyed and upsert:  # a row whose key is not there after was skipped (a conflict elsewhere)
                        key = _pk_of(table, row)
                        self._stage(actor, table, befores.get(key), afters.get(key))
                    else:
                        self._stage(actor, table, None, row)
                return result
            if len(rows) == 1 and _ignores_conflicts(state.statement):
                return self._insert_ignored(state, actor, table, rows[0])
            before = self._read(session, table, rows[0]) if keyed and upsert else None
            result = state.invoke_statement()
            if len(rows) == 1 and not keyed and not state.statement._returning:
                try:
                    rows[0].update(zip(pk_names, result.inserted_primary_key or ()))
                    keyed = all(rows[0].get(n) is not None for n in pk_names)
                except Exception:  # noqa: BLE001 - no key to read back; the values stand
                    keyed = False
            if keyed:
                row = rows[0]
                after = self._read(session, table, row) if upsert else self._written(session, table, result, row)
                self._stage(actor, table, before, after)
            else:
                for row in rows:
                    self._stage(actor, table, None, row)
            return result
        where = state.statement.whereclause
        query = select(table) if where is None else select(table).where(where)
        befores = [dict(r._mapping) for r in session.execute(query).all()]
        result = state.invoke_statement()
        if state.is_update and len(befores) > 1:  # one SELECT reads back all the rows a set-based UPDATE changed
            afters = self._read_many(session, table, befores)
            for before in befores:
                self._stage(actor, table, before, afters.get(_pk_of(table, before)))
            return result
        for before in befores:
            key = {n: before[n] for n in pk_names}
            after = self._read(session, table, key) if state.is_update else None
            self._stage(actor, table, before, after)
        return result

    def _insert_ignored(self, state, actor: Actor, table: Table, row: dict[str, Any]):
        """One row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (``fc_shared.db.insert_ignore``): its returned rows
        say whether it inserted, so neither the row before (none, when it inserted: a row there is a conflict) nor
        the row after (as given, with a generated key as returned) is read. A row met already there is no change
        and no entry."""
        result = state.invoke_statement()
        names = list(result.keys())
        frozen = result.freeze()  # the caller still reads the returned rows, from the frozen copy
        if frozen.data:
            row = {**row, **{name: value for name, value in zip(names, frozen.data[0]) if name in table.c}}
            if all(row.get(c.name) is not None for c in table.primary_key.columns):
                self._stage(actor, table, None, self._written(state.session, table, result, row))
            else:  # no key to read it by: the values stand
                self._stage(actor, table, None, row)
        return frozen()

    def _written(self, session, table: Table, result, row: dict[str, Any]) -> dict[str, Any] | None:
        """A single-row INSERT's row: as written when the execution says it all, else read back."""
        return self._inserted(table, result, row) or self._read(session, table, row)

    @staticmethod
    def _inserted(table: Table, result, row: dict[str, Any]) -> dict[str, Any] | None:
        """A plain single-row INSERT's row as written, read off the execution: the values given, the
        Python-side defaults SQLAlchemy filled in and the key (``row``'s, a generated one included). None (read
        the row back instead) when the INSERT left a server-default or computed column to the database, whose
        value only it knows, or gave a value as an SQL expression. Reading back cost more than the INSERT itself
        in a consumer's profile (issue 15: 8.6 s of the watcher's 14.4 s)."""
        try:
            params = result.last_inserted_params()
            if result.postfetch_cols():  # a value the database computed (an SQL expression): only it knows
                return None
        except Exception:  # noqa: BLE001 - not a compiled single-row insert: read it back
            return None
        if not isinstance(params, dict) or any(key not in params for key in _server_filled(table)):
            return None  # a column the INSERT left to the database's default
        after = {c.name: params.get(c.key) for c in table.columns}
        after.update({c.name: row[c.name] for c in table.primary_key.columns})
        return after

    @staticmethod
    def _read_many(session, table: Table, rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
        """The rows with these rows' primary keys, by ``_pk_of``: a SELECT per 500 keys, whatever their number."""
        columns = list(table.primary_key.columns)
        keys = list({_pk_of(table, row): tuple(row[c.name] for c in columns) for row in rows}.values())
        found: dict[tuple, dict[str, Any]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            match = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
            found.update((_pk_of(table, r._mapping), dict(r._mapping))
                         for r in session.execute(select(table).where(match)))
        return found

    @staticmethod
    def _read(session, table: Table, key: dict[str, Any]) -> dict[str, Any] | None:
        row = session.execute(_by_key(table), {f"key_{c.name}": key[c.name]
                                                for c in table.primary_key.columns}).first()
        return dict(row._mapping) if row is not None else None

    def _stage(self, actor: Actor, table: Table, before, after) -> None:
        changes = changes_between(before, after)
        if not changes:
            return  # an insert that met a conflict, or an update that changed nothing
        action = "create" if before is None else "delete" if after is None else "update"
        self.uow.stage_audit(actor, action, table.name, _resource_id(table, after or before), changes)


__all__ = ["Actor", "AuditRequest", "MASK", "StatementWatcher", "append", "audit_request_var", "audit_table",
           "changes_between", "entry_hash", "is_masked", "prune", "set_request_actor", "verify_chain"]
