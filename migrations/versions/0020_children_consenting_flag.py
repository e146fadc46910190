"""children carry whether a current consent exists, for the dashboard's counts

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-22 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('children') as batch:
        batch.add_column(sa.Column('consenting', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.execute("UPDATE children SET consenting = EXISTS (SELECT 1 FROM consent_records c "
               "WHERE c.child_id = children.id AND c.withdrawn_at IS NULL)")
    op.drop_index('ix_children_region_code', table_name='children')
    op.create_index('ix_children_region_code', 'children',
                    ['region_code', 'priority', 'consenting', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_children_region_code', table_name='children')
    op.create_index('ix_children_region_code', 'children', ['region_code', 'priority', 'id'],
                    unique=False)
    with op.batch_alter_table('children') as batch:
        batch.drop_column('consenting')
