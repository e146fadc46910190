"""dashboard: children by county, priority and id; contacts by date; pairs by start

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22 18:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # The children index gains the id, so the dashboard's per-county counts read the
    # index alone (index-only scans) instead of the wide table.
    op.drop_index('ix_children_region_code', table_name='children')
    op.create_index('ix_children_region_code', 'children', ['region_code', 'priority', 'id'],
                    unique=False)
    op.create_index(op.f('ix_contact_logs_contact_date'), 'contact_logs', ['contact_date'],
                    unique=False)
    op.create_index(op.f('ix_pairs_started_at'), 'pairs', ['started_at'], unique=False)


def downgrade():
    op.drop_index('ix_children_region_code', table_name='children')
    op.create_index('ix_children_region_code', 'children', ['region_code', 'priority'],
                    unique=False)
    op.drop_index(op.f('ix_pairs_started_at'), table_name='pairs')
    op.drop_index(op.f('ix_contact_logs_contact_date'), table_name='contact_logs')
