"""the dashboard's reads: each contact keeps the county of its child when it was logged,
children are counted by category from the county index, and urgent children waiting
carry their id in the index (index-only scans)

Revision ID: 0029_dashboard_reads
Revises: 0028_read_indexes
Create Date: 2026-12-06 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0029_dashboard_reads'
down_revision = '0028_read_indexes'
branch_labels = None
depends_on = None

URGENT = "priority = 'urgent' AND consenting"


def upgrade():
    with op.batch_alter_table('contact_logs') as batch:
        batch.add_column(sa.Column('region_code', sa.String(6), nullable=True))
    op.execute("UPDATE contact_logs SET region_code = (SELECT children.region_code "
               "FROM pairs JOIN children ON children.id = pairs.child_id "
               "WHERE pairs.id = contact_logs.pair_id)")
    with op.batch_alter_table('contact_logs') as batch:
        batch.alter_column('region_code', existing_type=sa.String(6), nullable=False)
        batch.create_index('ix_contact_logs_region_date', ['region_code', 'contact_date'])
    with op.batch_alter_table('children') as batch:
        batch.drop_index('ix_children_region_code')
        batch.create_index('ix_children_region_code',
                           ['region_code', 'priority', 'consenting', 'category', 'id'])
        batch.drop_index('ix_children_urgent_waiting', postgresql_where=sa.text(URGENT),
                         sqlite_where=sa.text(URGENT))
        batch.create_index('ix_children_urgent_waiting', ['region_code', 'created_at'],
                           postgresql_include=['id'], postgresql_where=sa.text(URGENT),
                           sqlite_where=sa.text(URGENT))


def downgrade():
    with op.batch_alter_table('children') as batch:
        batch.drop_index('ix_children_urgent_waiting', postgresql_where=sa.text(URGENT),
                         sqlite_where=sa.text(URGENT))
        batch.create_index('ix_children_urgent_waiting', ['region_code', 'created_at'],
                           postgresql_where=sa.text(URGENT), sqlite_where=sa.text(URGENT))
        batch.drop_index('ix_children_region_code')
        batch.create_index('ix_children_region_code',
                           ['region_code', 'priority', 'consenting', 'id'])
    with op.batch_alter_table('contact_logs') as batch:
        batch.drop_index('ix_contact_logs_region_date')
        batch.drop_column('region_code')
