"""dated milestone and capital-plan histories: a bulletin reads plans as they stood on its month's last day

Revision ID: b7c41d2e9f05
Revises: a0d17c0a1003
Create Date: 2026-12-04 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c41d2e9f05'
down_revision = 'a0d17c0a1003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No backfill: a milestone or plan without history counts with its latest value (as a project without
    # dated states counts with its current state).
    op.create_table('milestone_versions',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('milestone_id', sa.String(length=64), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('actual_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_milestone_versions'))
    )
    with op.batch_alter_table('milestone_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_versions_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('capital_plan_versions',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('street_code', sa.String(length=40), nullable=False),
    sa.Column('construction_total_fen', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_capital_plan_versions'))
    )
    with op.batch_alter_table('capital_plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capital_plan_versions_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('capital_plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capital_plan_versions_project_id'))
    op.drop_table('capital_plan_versions')
    with op.batch_alter_table('milestone_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_versions_milestone_id'))
    op.drop_table('milestone_versions')
