"""outbox: drop the attempts column, which nothing read

Revision ID: 54dede1c5726
Revises: 81aae411fa71
Create Date: 2026-12-01 19:45:00
"""
from fc_shared.migrations import add_outbox_attempts, drop_outbox_attempts

revision = '54dede1c5726'
down_revision = '81aae411fa71'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox_attempts()


def downgrade() -> None:
    add_outbox_attempts()
