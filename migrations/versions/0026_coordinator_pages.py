"""coordinator pages: a rejected proposal keeps the reason chosen from a short list

Revision ID: 0026_coordinator_pages
Revises: 0020
Create Date: 2026-12-01 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0026_coordinator_pages'
down_revision = '0020'
branch_labels = None
depends_on = None

REJECT_CAUSES = "('too_far', 'needs_mismatch', 'volunteer_unsuitable', 'child_changed', 'other')"


def upgrade():
    with op.batch_alter_table('proposals') as batch:
        batch.add_column(sa.Column('reject_cause', sa.String(length=24), nullable=True))
        batch.create_check_constraint(
            op.f('ck_proposals_reject_cause'),
            f"reject_cause IS NULL OR reject_cause IN {REJECT_CAUSES}")


def downgrade():
    with op.batch_alter_table('proposals') as batch:
        batch.drop_constraint(op.f('ck_proposals_reject_cause'), type_='check')
        batch.drop_column('reject_cause')
