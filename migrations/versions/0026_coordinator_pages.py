"""coordinator pages: a rejected proposal keeps the reason chosen from a short list;
programme targets per region and date

Revision ID: 0026_coordinator_pages
Revises: 0020
Create Date: 2026-12-01 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_coordinator_pages'
down_revision = '0025_volunteer_service_records'
branch_labels = None
depends_on = None

REJECT_CAUSES = "('too_far', 'needs_mismatch', 'volunteer_unsuitable', 'child_changed', 'other')"


def upgrade():
    with op.batch_alter_table('proposals') as batch:
        batch.add_column(sa.Column('reject_cause', sa.String(length=24), nullable=True))
        batch.create_check_constraint(
            op.f('ck_proposals_reject_cause'),
            f"reject_cause IS NULL OR reject_cause IN {REJECT_CAUSES}")
    op.create_table(
        'programme_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('metric', sa.String(length=24), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("metric IN ('caring_parents', 'urgent_paired_days', "
                           "'compliance_percent')", name=op.f('ck_programme_targets_metric')),
        sa.CheckConstraint("value >= 0 AND (metric != 'compliance_percent' OR value <= 100)",
                           name=op.f('ck_programme_targets_value')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_programme_targets_created_by_id_users')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ondelete='CASCADE',
                                name=op.f('fk_programme_targets_region_code_regions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_targets')),
        sa.UniqueConstraint('region_code', 'metric', 'due_on',
                            name=op.f('uq_programme_targets_region_code_metric_due_on')),
    )
    op.create_index(op.f('ix_programme_targets_region_code'), 'programme_targets',
                    ['region_code'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_programme_targets_region_code'), table_name='programme_targets')
    op.drop_table('programme_targets')
    with op.batch_alter_table('proposals') as batch:
        batch.drop_constraint(op.f('ck_proposals_reject_cause'), type_='check')
        batch.drop_column('reject_cause')
