"""outbox: drop the attempts column, which nothing read

Revision ID: bf695f448632
Revises: 25119c1841d7
Create Date: 2026-12-01 19:45:00
"""
from fc_shared.migrations import add_outbox_attempts, drop_outbox_attempts

revision = 'bf695f448632'
down_revision = '25119c1841d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    drop_outbox_attempts()


def downgrade() -> None:
    add_outbox_attempts()
