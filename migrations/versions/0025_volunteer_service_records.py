"""volunteers who stay: privacy notice version, withdrawal, service records

Revision ID: 0025_volunteer_service_records
Revises: 0020
Create Date: 2026-12-01 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = '0025_volunteer_service_records'
down_revision = "0023_import_column_mappings"
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

    op.create_table(
        'service_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_log_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('service_date', sa.Date(), nullable=False),
        sa.Column('content', sa.String(length=16), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('logged_minutes', sa.Integer(), nullable=False),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('correction_reason', sa.Text(), nullable=False),
        sa.Column('corrected_by_id', sa.Integer(), nullable=True),
        sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('minutes >= 0 AND minutes <= 1440',
                           name=op.f('ck_service_records_minutes')),
        sa.CheckConstraint('logged_minutes >= 0 AND logged_minutes <= 1440',
                           name=op.f('ck_service_records_logged_minutes')),
        sa.ForeignKeyConstraint(['contact_log_id'], ['contact_logs.id'], ondelete='CASCADE',
                                name=op.f('fk_service_records_contact_log_id_contact_logs')),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], ondelete='CASCADE',
                                name=op.f('fk_service_records_volunteer_id_volunteers')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ondelete='RESTRICT',
                                name=op.f('fk_service_records_region_code_regions')),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_service_records_confirmed_by_id_users')),
        sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], ondelete='SET NULL',
                                name=op.f('fk_service_records_corrected_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_records')),
        sa.UniqueConstraint('contact_log_id', name=op.f('uq_service_records_contact_log_id')),
    )
    op.create_index(op.f('ix_service_records_region_code'), 'service_records',
                    ['region_code', 'service_date'])
    op.create_index(op.f('ix_service_records_volunteer_id'), 'service_records',
                    ['volunteer_id', 'service_date'])
    op.create_index(op.f('ix_service_records_confirmed_by_id'), 'service_records',
                    ['confirmed_by_id'])
    op.create_index(op.f('ix_service_records_corrected_by_id'), 'service_records',
                    ['corrected_by_id'])

    op.create_table(
        'service_certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_name', sa.String(length=64), nullable=False),
        sa.Column('masked_phone', sa.String(length=16), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('total_minutes', sa.Integer(), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('issuer', sa.String(length=128), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('total_minutes >= 0',
                           name=op.f('ck_service_certificates_total_minutes')),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], ondelete='CASCADE',
                                name=op.f('fk_service_certificates_volunteer_id_volunteers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_certificates')),
        sa.UniqueConstraint('code', name=op.f('uq_service_certificates_code')),
    )
    op.create_index(op.f('ix_service_certificates_volunteer_id'), 'service_certificates',
                    ['volunteer_id'])


def downgrade():
    op.drop_table('service_certificates')
    op.drop_table('service_records')
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_volunteers_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_volunteers_status'), OLD_STATUSES)
        batch_op.drop_column('pending_phone')
        batch_op.drop_column('privacy_notice_version')

    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_phone_codes_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_phone_codes_purpose'), OLD_PURPOSES)
