"""Registry tables (SQLAlchemy Core) in the registry's own database."""
from sqlalchemy import JSON, Column, Date, DateTime, Float, ForeignKey, Integer, String, Table, Text

from fc_shared.db import new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

streets = Table(
    "streets", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

communities = Table(
    "communities", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("area_ha", Float, nullable=False),
    Column("population", Integer, nullable=False),
    Column("households", Integer, nullable=False),
    Column("elderly_share", Float, nullable=False),
    Column("children_share", Float, nullable=False),
    Column("needs", Text, nullable=False, default=""),
    Column("features", Text, nullable=False, default=""),
    Column("spatial_resources", Text, nullable=False, default=""),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

projects = Table(
    "projects", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), ForeignKey("streets.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("type", String(30), nullable=False),
    Column("target_level", String(20), nullable=False),
    Column("area_ha", Float, nullable=False),
    Column("life_circle_minutes", Integer, nullable=False),
    Column("state", String(30), nullable=False, index=True),
    Column("accepted_level", String(20), nullable=True),
    Column("approved_on", Date, nullable=True),
    Column("creation_deadline", Date, nullable=True, index=True),
    Column("task_year", Integer, nullable=True, index=True),
    Column("community_ids", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False, default=1),
)

project_communities = Table(
    "project_communities", metadata,
    Column("project_id", String(36), ForeignKey("projects.id"), primary_key=True),
    Column("community_id", String(36), ForeignKey("communities.id"), primary_key=True, index=True),
)
