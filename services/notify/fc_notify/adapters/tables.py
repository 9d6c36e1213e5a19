"""Notify tables in notify's own database."""
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text

from fc_shared.db import BigIntPK, new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(200), nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),  # [] means all
    Column("description", Text, nullable=False, default=""),
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Every event notify has seen, kept so a subscription can replay it with the same webhook-id.
events = Table(
    "events", metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(120), nullable=False, index=True),
    Column("subject", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), ForeignKey("subscriptions.id"), nullable=False, index=True),
    Column("event_id", String(64), ForeignKey("events.id"), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True, index=True),
    Column("last_status_code", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
