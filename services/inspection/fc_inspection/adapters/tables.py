"""Inspection tables in inspection's own database."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from fc_shared.contracts import project_projection_columns
from fc_shared.db import BigIntPK, UtcDateTime, new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

# --- projections kept from other services' events --------------------------------------------

# Registry projects: enough to decide acceptance and rank streets without calling registry.
projects = Table("projects", metadata, *project_projection_columns())

# Each project's state after each registry event (by row version), dated by the step's own date: a bulletin
# reads the stage a project had reached as of a month's last day (§5.6).
project_states = Table(
    "project_states", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("state", String(30), nullable=False),
    Column("effective_on", Date, nullable=False),
)

streets = Table(
    "streets", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=True),
)

milestones = Table(
    "milestones", metadata,
    Column("id", String(64), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("title", String(300), nullable=False, default=""),
    Column("planned_on", Date, nullable=True),
    Column("actual_on", Date, nullable=True),
)

problems = Table(
    "problems", metadata,
    Column("id", String(64), primary_key=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("project_id", String(36), nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("due_on", Date, nullable=True),
)

# Funding's expenditure reports, one row per event (each report is an amount spent, not a running total).
expenditures = Table(
    "expenditures", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("eligible", Boolean, nullable=False),
    Column("reported_on", Date, nullable=False),
)

capital_plans = Table(
    "capital_plans", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("construction_total_fen", BigInteger, nullable=False),
    Column("operating_balance_fen", BigInteger, nullable=False),
    Column("balanced", Boolean, nullable=False),
)

# Dated histories beside the latest values above, one row per event, dated by the day the producing service
# recorded the change (the event's time in the district's zone): a bulletin reads a milestone's plan and a
# project's capital plan as they stood on a month's last day (§5.6), so a change recorded later cannot move it.
milestone_versions = Table(
    "milestone_versions", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("milestone_id", String(64), nullable=False, index=True),
    Column("planned_on", Date, nullable=True),
    Column("actual_on", Date, nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_on", Date, nullable=False),
)

capital_plan_versions = Table(
    "capital_plan_versions", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False),
    Column("construction_total_fen", BigInteger, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_on", Date, nullable=False),
)

# --- inspection's own records -------------------------------------------------------------------

catalogue_versions = Table(
    "catalogue_versions", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("orientations", JSON, nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)

evaluations = Table(
    "evaluations", metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("catalogue_version", Integer, ForeignKey("catalogue_versions.version"), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("standard_met", Integer, nullable=False),
    Column("standard_total", Integer, nullable=False),
    Column("all_standard_met", Boolean, nullable=False),
    Column("gaps", JSON, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

# Administrator-editable settings (key → JSON value), e.g. the required review departments.
config = Table(
    "config", metadata,
    Column("key", String(80), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

acceptances = Table(
    "acceptances", metadata,
    Column("seq", BigIntPK, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("project_id", String(36), nullable=False, index=True),
    # Set while the application is open, NULL once closed: at most one open application per project.
    Column("open_project_id", String(36), nullable=True, unique=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("level", String(20), nullable=False),
    Column("state", String(30), nullable=False, index=True),
    Column("consulting_design_fen", BigInteger, nullable=False),
    Column("construction_fen", BigInteger, nullable=False),
    Column("equipment_fen", BigInteger, nullable=False),
    Column("report", Text, nullable=False),
    Column("required_departments", JSON, nullable=False),
    Column("evaluation_id", String(36), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("applied_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("result_passed", Boolean, nullable=True),
    Column("result_decided_on", Date, nullable=True),
    Column("result_reference", String(200), nullable=True),
    Column("result_by", String(200), nullable=True),
    Column("result_at", UtcDateTime(), nullable=True),
    Column("result_channel", String(20), nullable=True),  # integration | paper (recorded by the district office)
    Column("result_document_id", String(36), nullable=True),  # the scan, a registry document of the project
)

# One row per required department of an acceptance, so a department's list is a join.
acceptance_departments = Table(
    "acceptance_departments", metadata,
    Column("acceptance_id", String(36), ForeignKey("acceptances.id"), primary_key=True),
    Column("department_code", String(40), primary_key=True),
)

reviews = Table(
    "reviews", metadata,
    Column("acceptance_id", String(36), ForeignKey("acceptances.id"), primary_key=True),
    Column("department_code", String(40), primary_key=True),
    Column("passed", Boolean, nullable=False),
    Column("findings", Text, nullable=False),
    Column("reviewed_by", String(200), nullable=False),
    Column("reviewed_at", UtcDateTime(), nullable=False),
)

# Province/city systems posting results by signed webhook, each with its own secret.
integrations = Table(
    "integrations", metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("rotated_at", UtcDateTime(), nullable=True),
)

# Webhook ids already accepted: a replay is refused (Standard Webhooks).
webhook_messages = Table(
    "webhook_messages", metadata,
    Column("integration_id", String(36), primary_key=True),
    Column("webhook_id", String(200), primary_key=True),
    Column("received_at", UtcDateTime(), nullable=False),
)

bulletins = Table(
    "bulletins", metadata,
    Column("month", String(7), primary_key=True),
    Column("ranking", JSON, nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)

