"""outbox: a partial index of the unsent rows in seq order, which the relay claims from

Revision ID: c7e1a2b3d402
Revises: a0d17c0a1002
Create Date: 2026-12-07 13:00:00
"""
from fc_shared.migrations import create_outbox_unsent_index, drop_outbox_unsent_index

revision = 'c7e1a2b3d402'
down_revision = 'a0d17c0a1002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_unsent_index()


def downgrade() -> None:
    drop_outbox_unsent_index()
