"""outbox: drop the attempts column, which nothing read

Revision ID: 68b528549ef2
Revises: e6fec64df28b
Create Date: 2026-12-01 19:45:00
"""
from fc_shared.migrations import add_outbox_attempts, drop_outbox_attempts

revision = '68b528549ef2'
down_revision = 'e6fec64df28b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox_attempts()


def downgrade() -> None:
    add_outbox_attempts()
