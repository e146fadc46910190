"""SMS priority classes: each outbox row carries its template's class, claimed first, in batches

Revision ID: 0021_sms_priority_classes
Revises: 0020
Create Date: 2026-12-01 22:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0021_sms_priority_classes'
down_revision = '0020'
branch_labels = None
depends_on = None

MANDATORY = ('concern_raised', 'escalation_coordinator', 'escalation_no_local_contact',
             'escalation_local_contact')
INTERACTIVE = ('verification_code',)


def _listed(codes):
    return ", ".join(f"'{code}'" for code in codes)


def upgrade():
    with op.batch_alter_table('sms_outbox') as batch:
        batch.add_column(sa.Column('priority', sa.SmallInteger(), server_default=sa.text('2'),
                                   nullable=False))
        batch.create_check_constraint(op.f('ck_sms_outbox_priority'), 'priority IN (0, 1, 2)')
        batch.add_column(sa.Column('claim_token', sa.String(length=16), nullable=True))
    op.execute(f"UPDATE sms_outbox SET priority = CASE WHEN template IN ({_listed(MANDATORY)}) "
               f"THEN 0 WHEN template IN ({_listed(INTERACTIVE)}) THEN 1 ELSE 2 END")
    op.drop_index('ix_sms_outbox_due', table_name='sms_outbox')
    op.create_index('ix_sms_outbox_due', 'sms_outbox', ['priority', 'not_before', 'id'],
                    unique=False, postgresql_where=sa.text("status = 'queued'"),
                    sqlite_where=sa.text("status = 'queued'"))


def downgrade():
    op.drop_index('ix_sms_outbox_due', table_name='sms_outbox')
    op.create_index('ix_sms_outbox_due', 'sms_outbox', ['not_before'], unique=False,
                    postgresql_where=sa.text("status = 'queued'"),
                    sqlite_where=sa.text("status = 'queued'"))
    with op.batch_alter_table('sms_outbox') as batch:
        batch.drop_constraint(op.f('ck_sms_outbox_priority'), type_='check')
        batch.drop_column('claim_token')
        batch.drop_column('priority')
