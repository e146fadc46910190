"""matching run parts, solved by several workers

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'match_run_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('part_no', sa.Integer(), nullable=False),
        sa.Column('child_ids', sa.JSON(), nullable=False),
        sa.Column('volunteer_ids', sa.JSON(), nullable=False),
        sa.Column('candidates', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('seconds', sa.JSON(), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'done')",
                           name=op.f('ck_match_run_parts_status')),
        sa.ForeignKeyConstraint(['run_id'], ['match_runs.id'],
                                name=op.f('fk_match_run_parts_run_id_match_runs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_run_parts')),
        sa.UniqueConstraint('run_id', 'part_no', name=op.f('uq_match_run_parts_run_id_part_no')),
    )


def downgrade():
    op.drop_table('match_run_parts')
