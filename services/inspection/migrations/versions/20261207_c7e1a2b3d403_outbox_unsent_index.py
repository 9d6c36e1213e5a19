"""outbox: a partial index of the unsent rows in seq order, which the relay claims from

Revision ID: c7e1a2b3d403
Revises: b7c41d2e9f05
Create Date: 2026-12-07 13:00:00
"""
from fc_shared.migrations import create_outbox_unsent_index, drop_outbox_unsent_index

revision = 'c7e1a2b3d403'
down_revision = 'b7c41d2e9f05'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_unsent_index()


def downgrade() -> None:
    drop_outbox_unsent_index()
