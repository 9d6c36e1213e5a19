"""streets.created_on: the district day a street joined the programme (summaries are due from it)

Revision ID: 3c1d2e7f9a10
Revises: 54dede1c5726
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '3c1d2e7f9a10'
down_revision = '54dede1c5726'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('streets') as batch_op:
        batch_op.add_column(sa.Column('created_on', sa.Date(), nullable=True))
    # Existing streets: the UTC day of their creation timestamp is the best record there is.
    op.execute("UPDATE streets SET created_on = DATE(created_at) WHERE created_on IS NULL")
    with op.batch_alter_table('streets') as batch_op:
        batch_op.alter_column('created_on', existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('streets') as batch_op:
        batch_op.drop_column('created_on')
