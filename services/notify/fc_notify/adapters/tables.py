"""Notify tables in notify's own database."""
from sqlalchemy import (JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)

from fc_shared.db import BigIntPK, UtcDateTime, new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(200), nullable=False, index=True),  # Principal.key of its creator
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),  # [] means all
    Column("description", Text, nullable=False, default=""),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200), nullable=True),
    Column("previous_secret_until", UtcDateTime(), nullable=True),
    Column("status", String(20), nullable=False, index=True),  # active | paused | disabled | deleted
    Column("disabled_reason", Text, nullable=True),
    Column("failing_since", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Every event notify has seen, kept so a subscription can replay it with the same webhook-id.
events = Table(
    "events", metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(120), nullable=False, index=True),
    Column("subject", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False, index=True),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), ForeignKey("subscriptions.id"), nullable=False, index=True),
    Column("event_id", String(64), ForeignKey("events.id"), nullable=False),
    Column("event_type", String(120), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),  # in the current round (retry/replay start a new one)
    Column("next_attempt_at", UtcDateTime(), nullable=True, index=True),
    Column("claimed_until", UtcDateTime(), nullable=True),  # a dispatcher's lease while sending
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("subscription_id", "event_id", name="uq_deliveries_subscription_event"),
)

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("delivery_id", BigIntPK, ForeignKey("deliveries.id"), nullable=False, index=True),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),  # success | failure | gone
    Column("response_excerpt", Text, nullable=False, default=""),
    Column("error", Text, nullable=True),
)

alerts = Table(
    "alerts", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("recipient", String(80), nullable=False, index=True),  # street:<code> | district_office | finance
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("type", String(80), nullable=False, index=True),
    Column("street_code", String(40), nullable=True, index=True),
    Column("project_id", String(64), nullable=True, index=True),
    Column("days_left", Integer, nullable=True),
    Column("title", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("read", Boolean, nullable=False, default=False),
    Column("read_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("event_id", "recipient", name="uq_alerts_event_recipient"),
)

email_recipients = Table(
    "email_recipients", metadata,
    Column("recipient", String(80), primary_key=True),  # same keys as alerts.recipient
    Column("addresses", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# Outbox-like queue: rows are written with their alert, a job sends them.
emails = Table(
    "emails", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("alert_id", BigIntPK, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("to_address", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=True, index=True),
    Column("claimed_until", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    UniqueConstraint("alert_id", "to_address", name="uq_emails_alert_to_address"),
)
