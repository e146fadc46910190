"""ledger imports run as background jobs with progress

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('running', 'done', 'failed')"
NEW_STATUSES = "status IN ('queued', 'running', 'done', 'failed')"


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phase', sa.String(length=16), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('progress', sa.Float(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('error', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('duplicates', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_import_jobs_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_jobs_status'), NEW_STATUSES)
    op.execute("UPDATE import_jobs SET phase = 'done', progress = 1 WHERE status = 'done'")

    op.create_table(
        'import_uploads',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'],
                                name=op.f('fk_import_uploads_job_id_import_jobs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', name=op.f('pk_import_uploads')),
    )


def downgrade():
    op.drop_table('import_uploads')
    op.execute("UPDATE import_jobs SET status = 'failed' WHERE status = 'queued'")
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_import_jobs_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_jobs_status'), OLD_STATUSES)
        batch_op.drop_column('duplicates')
        batch_op.drop_column('error')
        batch_op.drop_column('progress')
        batch_op.drop_column('phase')
