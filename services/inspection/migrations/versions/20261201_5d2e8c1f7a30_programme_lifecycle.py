"""programme lifecycle: project states by date for bulletins as of a month's end, problem due dates,
paper results (channel and scanned decision)

Revision ID: 5d2e8c1f7a30
Revises: 68b528549ef2
Create Date: 2026-12-01 19:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e8c1f7a30'
down_revision = '68b528549ef2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_states',
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'version', name=op.f('pk_project_states'))
    )
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('result_document_id', sa.String(length=36), nullable=True))
    op.execute("UPDATE acceptances SET result_channel = 'integration' WHERE result_passed IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.drop_column('result_document_id')
        batch_op.drop_column('result_channel')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_column('due_on')
    op.drop_table('project_states')
