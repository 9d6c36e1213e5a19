"""outbox: drop the attempts column, which nothing read

Revision ID: 4e2d442cc91b
Revises: 072edee3bc3a
Create Date: 2026-12-01 19:45:00
"""
from fc_shared.migrations import add_outbox_attempts, drop_outbox_attempts

revision = '4e2d442cc91b'
down_revision = '072edee3bc3a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox_attempts()


def downgrade() -> None:
    add_outbox_attempts()
