"""migrant children (流动儿童) with their county of household registration, and families'
own applications (自主申报) with their online consent, and other departments' lists held
for a comparison (比对) before import

Revision ID: 0027_migrant_children_and_applications
Revises: 0020
Create Date: 2026-12-01 22:30:00.000000

Existing children keep every value: the new column is empty for them and the widened
category CHECK still holds each of their rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0027_migrant_children_and_applications'
down_revision = '0026_coordinator_pages'
branch_labels = None
depends_on = None

OLD_CATEGORIES = "category IN ('left_behind', 'in_difficulty')"
NEW_CATEGORIES = "category IN ('left_behind', 'in_difficulty', 'migrant')"
OLD_PURPOSES = "purpose IN ('signup', 'reset', 'change')"
NEW_PURPOSES = "purpose IN ('signup', 'reset', 'change', 'apply', 'status')"


def upgrade():
    # This revision id is longer than Alembic's default VARCHAR(32) version column;
    # PostgreSQL enforces the length (SQLite does not), so widen it first.
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('alembic_version', 'version_num', type_=sa.String(64),
                        existing_type=sa.String(32), existing_nullable=False)
    with op.batch_alter_table('children') as batch:
        batch.add_column(sa.Column('hukou_region_code', sa.String(length=6), nullable=True))
        batch.create_foreign_key(op.f('fk_children_hukou_region_code_regions'), 'regions',
                                 ['hukou_region_code'], ['code'], ondelete='RESTRICT')
        batch.drop_constraint(op.f('ck_children_category'), type_='check')
        batch.create_check_constraint(op.f('ck_children_category'), NEW_CATEGORIES)
        batch.create_check_constraint(op.f('ck_children_hukou_only_migrant'),
                                      "hukou_region_code IS NULL OR category = 'migrant'")
    with op.batch_alter_table('phone_codes') as batch:
        batch.drop_constraint(op.f('ck_phone_codes_purpose'), type_='check')
        batch.create_check_constraint(op.f('ck_phone_codes_purpose'), NEW_PURPOSES)
    op.create_table(
        'applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('applicant_phone', sa.Text(), nullable=False),
        sa.Column('applicant_phone_hash', sa.String(length=64), nullable=False),
        sa.Column('applicant_name', sa.String(length=64), nullable=False),
        sa.Column('applicant_relation', sa.String(length=32), nullable=False),
        sa.Column('child_name', sa.String(length=64), nullable=False),
        sa.Column('child_gender', sa.String(length=1), nullable=False),
        sa.Column('child_birth_date', sa.Date(), nullable=False),
        sa.Column('township', sa.String(length=128), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('sub_type', sa.String(length=32), nullable=True),
        sa.Column('hukou_region_code', sa.String(length=6), nullable=True),
        sa.Column('needs', sa.String(length=128), nullable=False),
        sa.Column('situation', sa.Text(), nullable=False),
        sa.Column('notice_version', sa.String(length=16), nullable=False),
        sa.Column('notice_text', sa.Text(), nullable=False),
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('consent_address', sa.Text(), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('verification_method', sa.String(length=16), nullable=True),
        sa.Column('verification_note', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decline_reason', sa.String(length=200), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('waiting', 'verified', 'accepted', 'declined')",
                           name=op.f('ck_applications_status')),
        sa.CheckConstraint("verification_method IS NULL OR verification_method IN "
                           "('phone', 'home_visit')",
                           name=op.f('ck_applications_verification_method')),
        sa.CheckConstraint("status = 'waiting' OR verified_at IS NOT NULL",
                           name=op.f('ck_applications_verified')),
        sa.CheckConstraint("status <> 'declined' OR decline_reason <> ''",
                           name=op.f('ck_applications_declined')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'],
                                name=op.f('fk_applications_region_code_regions'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['hukou_region_code'], ['regions.code'],
                                name=op.f('fk_applications_hukou_region_code_regions'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'],
                                name=op.f('fk_applications_verified_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_applications_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['child_id'], ['children.id'],
                                name=op.f('fk_applications_child_id_children'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
        sa.UniqueConstraint('reference', name=op.f('uq_applications_reference')),
    )
    op.create_index(op.f('ix_applications_region_code'), 'applications',
                    ['region_code', 'status', 'created_at'])
    op.create_index(op.f('ix_applications_applicant_phone_hash'), 'applications',
                    ['applicant_phone_hash', 'created_at'])
    op.create_index(op.f('ix_applications_client_hash'), 'applications',
                    ['client_hash', 'created_at'])
    op.create_index(op.f('ix_applications_child_id'), 'applications', ['child_id'])
    with op.batch_alter_table('consent_records') as batch:
        batch.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_consent_records_application_id_applications'),
                                 'applications', ['application_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index(op.f('ix_consent_records_application_id'), ['application_id'])
    op.create_table(
        'import_comparisons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_import_comparisons_actor_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_comparisons')),
    )
    op.create_index(op.f('ix_import_comparisons_actor_id'), 'import_comparisons',
                    ['actor_id'])
    op.create_index(op.f('ix_import_comparisons_created_at'), 'import_comparisons',
                    ['created_at'])


def downgrade():
    op.drop_table('import_comparisons')
    with op.batch_alter_table('consent_records') as batch:
        batch.drop_index(op.f('ix_consent_records_application_id'))
        batch.drop_constraint(op.f('fk_consent_records_application_id_applications'),
                              type_='foreignkey')
        batch.drop_column('application_id')
    op.drop_table('applications')
    op.execute("DELETE FROM phone_codes WHERE purpose IN ('apply', 'status')")
    with op.batch_alter_table('phone_codes') as batch:
        batch.drop_constraint(op.f('ck_phone_codes_purpose'), type_='check')
        batch.create_check_constraint(op.f('ck_phone_codes_purpose'), OLD_PURPOSES)
    op.execute("DELETE FROM children WHERE category = 'migrant'")
    with op.batch_alter_table('children') as batch:
        batch.drop_constraint(op.f('ck_children_hukou_only_migrant'), type_='check')
        batch.drop_constraint(op.f('ck_children_category'), type_='check')
        batch.create_check_constraint(op.f('ck_children_category'), OLD_CATEGORIES)
        batch.drop_constraint(op.f('fk_children_hukou_region_code_regions'), type_='foreignkey')
        batch.drop_column('hukou_region_code')
