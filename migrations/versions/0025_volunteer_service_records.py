"""volunteers who stay: privacy notice version, withdrawal, service records

Revision ID: 0025_volunteer_service_records
Revises: 0020
Create Date: 2026-12-01 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_volunteer_service_records'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'vetted', 'rejected', 'suspended', 'recheck_needed')"
NEW_STATUSES = ("status IN ('pending', 'vetted', 'rejected', 'suspended', 'recheck_needed', "
                "'withdrawn')")


OLD_PURPOSES = "purpose IN ('signup', 'reset')"
NEW_PURPOSES = "purpose IN ('signup', 'reset', 'change')"


def upgrade():
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_phone_codes_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_phone_codes_purpose'), NEW_PURPOSES)

    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_notice_version', sa.String(length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('pending_phone', sa.Text(), nullable=True))
        batch_op.drop_constraint(op.f('ck_volunteers_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_volunteers_status'), NEW_STATUSES)


def downgrade():
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_volunteers_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_volunteers_status'), OLD_STATUSES)
        batch_op.drop_column('pending_phone')
        batch_op.drop_column('privacy_notice_version')

    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_phone_codes_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_phone_codes_purpose'), OLD_PURPOSES)
