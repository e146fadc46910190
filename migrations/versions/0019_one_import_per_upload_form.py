"""one import per upload form

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('submission', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f('uq_import_jobs_submission'), ['submission'])


def downgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_constraint(op.f('uq_import_jobs_submission'), type_='unique')
        batch.drop_column('submission')
