"""programme lifecycle: decline, approval level and reference, reschedule, cancel, per-level acceptance and
naming, submission date, replaced project, office summaries and problems, plan reviews

Revision ID: b7c41e2a9d10
Revises: 3c1d2e7f9a10
Create Date: 2026-12-01 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c41e2a9d10'
down_revision = '3c1d2e7f9a10'
branch_labels = None
depends_on = None

PROJECT_COLUMNS = (
    ("submitted_on", sa.Date()), ("approval_level", sa.String(20)), ("approval_reference", sa.String(200)),
    ("declined_on", sa.Date()), ("decline_level", sa.String(20)), ("decline_reference", sa.String(200)),
    ("cancelled_on", sa.Date()), ("replaces_project_id", sa.String(36)), ("city_accepted_on", sa.Date()),
    ("province_accepted_on", sa.Date()), ("named_level", sa.String(20)),
)


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for name, type_ in PROJECT_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    # What the rows already say: the submission date from the history, the level reached on its date.
    op.execute("UPDATE projects SET submitted_on = (SELECT MIN(h.\"on\") FROM project_history h "
               "WHERE h.project_id = projects.id AND h.action = 'submit')")
    op.execute("UPDATE projects SET city_accepted_on = accepted_on WHERE accepted_level = 'city'")
    op.execute("UPDATE projects SET province_accepted_on = accepted_on WHERE accepted_level = 'province'")
    op.execute("UPDATE projects SET named_level = accepted_level WHERE named_on IS NOT NULL")

    with op.batch_alter_table('work_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filer', sa.String(40), nullable=True))
    op.execute("UPDATE work_summaries SET filer = street_code")
    with op.batch_alter_table('work_summaries', schema=None) as batch_op:
        batch_op.alter_column('filer', existing_type=sa.String(40), nullable=False)
        batch_op.alter_column('street_code', existing_type=sa.String(40), nullable=True)
        batch_op.drop_constraint('uq_work_summaries_street_period_start', type_='unique')
        batch_op.create_unique_constraint('uq_work_summaries_filer_period_start', ['filer', 'period', 'period_start'])
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.alter_column('street_code', existing_type=sa.String(40), nullable=True)

    op.create_table('plan_reviews',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_plan_reviews_document_id_documents')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_plan_reviews_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_reviews'))
    )
    with op.batch_alter_table('plan_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_reviews_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_reviews_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_reviews_project_id'))
        batch_op.drop_index(batch_op.f('ix_plan_reviews_document_id'))
    op.drop_table('plan_reviews')
    # The office's own summaries and problems have no street: they cannot survive the older shape.
    op.execute("DELETE FROM problems WHERE street_code IS NULL")
    op.execute("DELETE FROM work_summaries WHERE street_code IS NULL")
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.alter_column('street_code', existing_type=sa.String(40), nullable=False)
    with op.batch_alter_table('work_summaries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_work_summaries_filer_period_start', type_='unique')
        batch_op.create_unique_constraint('uq_work_summaries_street_period_start',
                                          ['street_code', 'period', 'period_start'])
        batch_op.alter_column('street_code', existing_type=sa.String(40), nullable=False)
        batch_op.drop_column('filer')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        for name, _ in reversed(PROJECT_COLUMNS):
            batch_op.drop_column(name)
