"""money: repayments and offsets in the ledger (reference, booked_on), per-community locks (F3), fund income,
street bulletins for the annual assessment, approvals keep the street-borne part and covered communities

Revision ID: 7a1c3e9b5d20
Revises: 4e2d442cc91b
Create Date: 2026-12-01 20:25:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7a1c3e9b5d20'
down_revision = '4e2d442cc91b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('booked_on', sa.Date(), nullable=True))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_borne_fen', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('covered_communities', sa.JSON(), nullable=True))
    op.create_table(
        'community_locks',
        sa.Column('community_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('community_id', name=op.f('pk_community_locks')),
    )
    op.create_table(
        'fund_income',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_income')),
        sa.UniqueConstraint('year', 'reference', name='uq_fund_income_year_reference'),
    )
    op.create_index(op.f('ix_fund_income_year'), 'fund_income', ['year'], unique=False)
    op.create_table(
        'street_bulletins',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('street_code', sa.String(length=40), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('score', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('month', 'street_code', name=op.f('pk_street_bulletins')),
    )


def downgrade() -> None:
    op.drop_table('street_bulletins')
    op.drop_index(op.f('ix_fund_income_year'), table_name='fund_income')
    op.drop_table('fund_income')
    op.drop_table('community_locks')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_column('covered_communities')
        batch_op.drop_column('street_borne_fen')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('booked_on')
        batch_op.drop_column('reference')
