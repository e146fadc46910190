"""indexes for what is read often: urgent children with consent by county and
registration date, and background checks by volunteer and time (programme targets); a
number's messages by claim time (the SMS daily cap)

Revision ID: 0028_read_indexes
Revises: 0024_protection_cases
Create Date: 2026-12-06 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0028_read_indexes'
down_revision = '0024_protection_cases'
branch_labels = None
depends_on = None

URGENT = "priority = 'urgent' AND consenting"


def upgrade():
    with op.batch_alter_table('children') as batch:
        batch.create_index('ix_children_urgent_waiting', ['region_code', 'created_at'],
                           postgresql_where=sa.text(URGENT), sqlite_where=sa.text(URGENT))
    with op.batch_alter_table('background_checks') as batch:
        batch.create_index('ix_background_checks_first', ['volunteer_id', 'checked_at'])
    with op.batch_alter_table('sms_outbox') as batch:
        batch.create_index('ix_sms_outbox_number_claimed', ['to_phone_hash', 'claimed_at'])


def downgrade():
    with op.batch_alter_table('sms_outbox') as batch:
        batch.drop_index('ix_sms_outbox_number_claimed')
    with op.batch_alter_table('background_checks') as batch:
        batch.drop_index('ix_background_checks_first')
    with op.batch_alter_table('children') as batch:
        batch.drop_index('ix_children_urgent_waiting', postgresql_where=sa.text(URGENT),
                         sqlite_where=sa.text(URGENT))
