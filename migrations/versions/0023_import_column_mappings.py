"""ledger imports: each job's report (unchanged rows, how rows were matched, extra
columns); column mappings remembered per coordinator

Revision ID: 0023_import_column_mappings
Revises: 0020
Create Date: 2026-12-01 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0023_import_column_mappings'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('report', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_column('report')
