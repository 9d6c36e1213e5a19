"""Funding tables in funding's own database."""
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from fc_shared.contracts import project_projection_columns
from fc_shared.db import BigIntPK, UtcDateTime, new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

# Funding's projection of registry projects (the snapshot every fc.project.* event carries).
projects = Table("projects", metadata, *project_projection_columns())

# Events about projects funding has not seen yet (topics are not ordered with each other);
# replayed when the project's snapshot arrives.
parked_events = Table(
    "parked_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("type", String(120), nullable=False),
    Column("payload", Text, nullable=False),
    Column("parked_at", UtcDateTime(), nullable=False),
)

# 核定: one approval per project and acceptance level, whatever the number of deliveries.
approvals = Table(
    "approvals", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("acceptance_id", String(64), nullable=False),
    Column("level", String(20), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("award_fen", BigInteger, nullable=False),
    Column("eligible_expenditure_fen", BigInteger, nullable=False),
    Column("entitlement_fen", BigInteger, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("source_event_id", String(64), nullable=False),
    Column("street_borne_fen", BigInteger, nullable=False, server_default="0"),
    # F3 across projects: {community_id: level} already covered through other projects when it was decided.
    Column("covered_communities", JSON, nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("project_id", "level", name="uq_approvals_project_level"),
)

# One row per community, locked (SELECT ... FOR UPDATE) by every settlement touching it (F3 across projects).
community_locks = Table(
    "community_locks", metadata,
    Column("community_id", String(36), primary_key=True),
)

# F3 across projects: which community was accepted, through which project, at which level.
community_awards = Table(
    "community_awards", metadata,
    Column("community_id", String(36), primary_key=True),
    Column("project_id", String(36), primary_key=True),
    Column("level", String(20), primary_key=True),
)

# The append-only ledger. ``basis`` names what caused the entry (acceptance:<level>, interim,
# reversal:<id>, cancellation, repayment:<reference>); (project, basis, kind) is unique, so no cause
# can pay twice. Kinds: approval (核定, no money moves), interim, disbursement, reward (paid out),
# recovery (追回 owed), repayment (the street paid a recovery back), offset (a recovery netted
# against a later payment).
ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("basis", String(80), nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("source_event_id", String(64), nullable=True),
    Column("reverses_entry_id", BigInteger, nullable=True, unique=True),
    Column("reason", Text, nullable=True),
    Column("created_by", String(200), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("booked_on", Date, nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("project_id", "basis", "kind", name="uq_ledger_entries_project_basis_kind"),
)

year_closes = Table(
    "year_closes", metadata,
    Column("year", Integer, primary_key=True),
    Column("closed_at", UtcDateTime(), nullable=False),
    Column("closed_by", String(200), nullable=False),
)

budgets = Table(
    "budgets", metadata,
    Column("year", Integer, primary_key=True),
    Column("budget_fen", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("set_by", String(200), nullable=False),
    Column("set_at", UtcDateTime(), nullable=False),
)

# §5.3: higher-level special subsidies (上级专项补助) pooled into the district fund, per year.
fund_income = Table(
    "fund_income", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("amount_fen", BigInteger, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("source", String(200), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("year", "reference", name="uq_fund_income_year_reference"),
)

# §5.6 考核结果作为资金奖补的重要依据: each street's place in inspection's published monthly bulletins,
# kept from fc.bulletin.published; the year's assessment is their roll-up, shown beside the money.
street_bulletins = Table(
    "street_bulletins", metadata,
    Column("month", String(7), primary_key=True),
    Column("street_code", String(40), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("score", String(40), nullable=False),
)

expenditures = Table(
    "expenditures", metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("project_id", String(36), nullable=False, index=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("eligible", Boolean, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("reported_by", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)

capital_plans = Table(
    "capital_plans", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("district_fund_fen", BigInteger, nullable=False),
    Column("higher_level_subsidy_fen", BigInteger, nullable=False),
    Column("department_funds_fen", BigInteger, nullable=False),
    Column("state_owned_capital_fen", BigInteger, nullable=False),
    Column("private_capital_fen", BigInteger, nullable=False),
    Column("operating_income_fen", BigInteger, nullable=False),
    Column("operating_cost_fen", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
