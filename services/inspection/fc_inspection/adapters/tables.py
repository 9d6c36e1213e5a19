"""Inspection tables in inspection's own database."""
from sqlalchemy import JSON, Column, DateTime, Integer, String, Table

from fc_shared.db import new_metadata, spine_tables

metadata = new_metadata()
spine = spine_tables(metadata)

# Inspection's projection of registry projects: enough to decide acceptance without calling registry.
projects = Table(
    "projects", metadata,
    Column("id", String(36), primary_key=True),
    Column("street_code", String(40), nullable=False, index=True),
    Column("type", String(30), nullable=False),
    Column("target_level", String(20), nullable=False),
    Column("state", String(30), nullable=False),
    Column("task_year", Integer, nullable=True),
    Column("community_ids", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
