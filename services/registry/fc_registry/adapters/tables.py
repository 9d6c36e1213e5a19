"""Registry tables (SQLAlchemy Core) in the registry's own database."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from fc_shared.db import BigIntPK, UtcDateTime, new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

streets = Table(
    "streets", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_on", Date, nullable=False),  # the district day it joined; summaries are due from here
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
)

communities = Table(
    "communities", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("area_ha", Float, nullable=False),
    Column("population", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("elderly_share", Float, nullable=False),
    Column("children_share", Float, nullable=False),
    Column("needs", Text, nullable=False, default=""),
    Column("features", Text, nullable=False, default=""),
    Column("spatial_resources", Text, nullable=False, default=""),
    Column("vacant_land_m2", Float, nullable=True),
    Column("idle_public_buildings_m2", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
)

documents = Table(
    "documents", metadata,
    Column("id", String(36), primary_key=True),
    Column("community_id", String(36), ForeignKey("communities.id"), nullable=False, index=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=True, index=True),
    Column("kind", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(120), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
    UniqueConstraint("community_id", "kind", "version", name="uq_documents_community_kind_version"),
)

projects = Table(
    "projects", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("type", String(30), nullable=False, index=True),
    Column("target_level", String(20), nullable=False),
    Column("area_ha", Float, nullable=False),
    Column("life_circle_minutes", Integer, nullable=False),
    Column("period_months", Integer, nullable=False),
    Column("period_reason", Text, nullable=True),
    Column("state", String(30), nullable=False, index=True),
    Column("accepted_level", String(20), nullable=True),
    Column("applied_on", Date, nullable=True),
    Column("approved_on", Date, nullable=True),
    Column("creation_deadline", Date, nullable=True, index=True),
    Column("task_year", Integer, nullable=True),
    Column("accepted_on", Date, nullable=True),  # the first acceptance at any level (never overwritten)
    Column("named_on", Date, nullable=True),
    Column("community_ids", JSON, nullable=False),
    Column("submitted_on", Date, nullable=True),
    Column("approval_level", String(20), nullable=True),
    Column("approval_reference", String(200), nullable=True),
    Column("declined_on", Date, nullable=True),
    Column("decline_level", String(20), nullable=True),
    Column("decline_reference", String(200), nullable=True),
    Column("cancelled_on", Date, nullable=True),
    Column("replaces_project_id", String(36), nullable=True),
    Column("city_accepted_on", Date, nullable=True),
    Column("province_accepted_on", Date, nullable=True),
    Column("named_level", String(20), nullable=True),
    Column("created_on", Date, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_projects_task_year_state", "task_year", "state"),
)

project_communities = Table(
    "project_communities", metadata,
    Column("project_id", String(36), ForeignKey("projects.id"), primary_key=True),
    Column("community_id", String(36), ForeignKey("communities.id"), primary_key=True, index=True),
)

project_history = Table(
    "project_history", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False, index=True),
    Column("action", String(60), nullable=False),
    Column("from_state", String(30), nullable=True),
    Column("to_state", String(30), nullable=False),
    Column("note", Text, nullable=True),
    Column("by", String(200), nullable=False),
    Column("on", Date, nullable=True),
    Column("at", UtcDateTime(), nullable=False),
)

milestones = Table(
    "milestones", metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("actual_on", Date, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# One row per deadline the watcher follows. ``next_alert_on`` is the next date an alert falls due
# (NULL once the breach fired or the deadline is resolved); the scan reads only rows due by as_of.
deadlines = Table(
    "deadlines", metadata,
    Column("key", String(160), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("project_id", String(36), nullable=True, index=True),
    Column("street_code", String(40), nullable=True),
    Column("due_on", Date, nullable=False),
    Column("next_alert_on", Date, nullable=True),
    Column("last_threshold", Integer, nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_deadlines_pending", "next_alert_on",
          postgresql_where=text("next_alert_on IS NOT NULL"), sqlite_where=text("next_alert_on IS NOT NULL")),
)

fired_alerts = Table(
    "fired_alerts", metadata,
    Column("deadline_key", String(160), primary_key=True),
    Column("threshold", Integer, primary_key=True),  # days before; 0 = breached, -1 = year end
    Column("as_of", Date, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("fired_at", UtcDateTime(), nullable=False),
)

special_plans = Table(
    "special_plans", metadata,
    Column("year", Integer, primary_key=True),
    Column("published_on", Date, nullable=True),
    Column("approved_on", Date, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# ``filer`` is the street code, or ``district_office`` for the office's own summaries (§5.1).
work_summaries = Table(
    "work_summaries", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=True, index=True),
    Column("filer", String(40), nullable=False),
    Column("period", String(20), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("work", JSON, nullable=False),
    Column("innovations", JSON, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("filed_at", UtcDateTime(), nullable=False),
    UniqueConstraint("filer", "period", "period_start", name="uq_work_summaries_filer_period_start"),
)

problems = Table(
    "problems", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=True, index=True),  # NULL: the office's
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=True, index=True),
    Column("summary_id", String(36), ForeignKey("work_summaries.id"), nullable=True),
    Column("acceptance_id", String(36), nullable=True),
    Column("source", String(30), nullable=False),  # summary | acceptance_review | manual
    Column("text", Text, nullable=False),
    Column("owner_department", String(60), nullable=False, index=True),
    Column("due_on", Date, nullable=True),
    Column("state", String(20), nullable=False, index=True),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("close_note", Text, nullable=True),
)

# The district review (评审) of a plan document (§4.2): passed, or returned with comments.
plan_reviews = Table(
    "plan_reviews", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False, index=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False, index=True),
    Column("outcome", String(20), nullable=False),  # passed | returned
    Column("comments", Text, nullable=False, default=""),
    Column("reviewed_by", String(200), nullable=False),
    Column("reviewed_at", UtcDateTime(), nullable=False),
)

config = Table(
    "config", metadata,
    Column("key", String(80), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

lease_requests = Table(
    "lease_requests", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=False, index=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=True),
    Column("address", Text, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("term_months", Integer, nullable=False),
    Column("state", String(20), nullable=False, index=True),  # requested | offered | declined | withdrawn
    Column("filed_on", Date, nullable=False),
    Column("filed_by", String(200), nullable=False),
    Column("enterprise", String(200), nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("terms", Text, nullable=True),
    Column("decline_reason", Text, nullable=True),
    Column("recorded_by", String(200), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# --- projections of other services' events (never their databases) ---

evaluations = Table(
    "evaluations", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("evaluation_id", String(64), nullable=False),
    Column("catalogue_version", String(40), nullable=True),
    Column("standard_met", Integer, nullable=False),
    Column("standard_total", Integer, nullable=False),
    Column("all_standard_met", Boolean, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

subsidy_approvals = Table(
    "subsidy_approvals", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("level", String(20), nullable=True),
    Column("award_fen", BigInteger, nullable=False),
    Column("entitlement_fen", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

subsidy_entries = Table(
    "subsidy_entries", metadata,
    Column("entry_id", String(64), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # interim | disbursement | reward | recovery | repayment | offset
    Column("amount_fen", BigInteger, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

bulletins = Table(
    "bulletins", metadata,
    Column("month", String(7), primary_key=True),
    Column("ranking", JSON, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
)
