"""ledger imports: each job's report (unchanged rows, how rows were matched, extra
columns); column mappings remembered per coordinator

Revision ID: 0023_import_column_mappings
Revises: 0021_sms_priority_classes
Create Date: 2026-12-01 22:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0023_import_column_mappings'
down_revision = '0021_sms_priority_classes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch:
        batch.add_column(sa.Column('report', sa.JSON(), nullable=True))
    op.create_table(
        'import_column_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('header', sa.String(length=128), nullable=False),
        sa.CheckConstraint("kind IN ('children', 'volunteers')",
                           name=op.f('ck_import_column_mappings_kind')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_import_column_mappings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_column_mappings')),
        sa.UniqueConstraint('user_id', 'kind', 'field',
                            name=op.f('uq_import_column_mappings_user_id_kind_field')),
    )
    op.create_index(op.f('ix_import_column_mappings_user_id'), 'import_column_mappings',
                    ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_import_column_mappings_user_id'),
                  table_name='import_column_mappings')
    op.drop_table('import_column_mappings')
    with op.batch_alter_table('import_jobs') as batch:
        batch.drop_column('report')
