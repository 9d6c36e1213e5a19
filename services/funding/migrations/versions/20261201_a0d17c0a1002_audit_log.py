"""audit log: who changed what, when, from what to what (one hash chain per service)

Revision ID: a0d17c0a1002
Revises: 7a1c3e9b5d20
Create Date: 2026-12-01 20:30:00
"""
from fc_shared.migrations import create_audit_log, drop_audit_log

revision = 'a0d17c0a1002'
down_revision = '7a1c3e9b5d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log()


def downgrade() -> None:
    drop_audit_log()
