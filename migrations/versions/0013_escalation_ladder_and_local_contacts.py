"""escalation ladder and local child-welfare contacts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 18:10:00.000000

The follow-up escalation gains a step: the child's local welfare contact (village child
director or township supervisor) before the county's coordinators. An existing
programme keeps its timing for the first step outside the pair: the local contact is
told when the coordinators used to be, and the coordinators a week later (at most 90
days). The old defaults (second reminder +3, coordinators +7) become +3, +7, +14.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('welfare_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('township', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.Text(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(child_id IS NOT NULL AND region_code IS NULL AND township = '') OR "
                       "(child_id IS NULL AND region_code IS NOT NULL AND township <> '')",
                       name=op.f('ck_welfare_contacts_child_or_township')),
    sa.CheckConstraint("role IN ('child_director', 'supervisor')",
                       name=op.f('ck_welfare_contacts_role')),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'],
                            name=op.f('fk_welfare_contacts_child_id_children'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'],
                            name=op.f('fk_welfare_contacts_region_code_regions'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_welfare_contacts_updated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_welfare_contacts')),
    sa.UniqueConstraint('child_id', name=op.f('uq_welfare_contacts_child_id')),
    sa.UniqueConstraint('region_code', 'township',
                        name=op.f('uq_welfare_contacts_region_code_township'))
    )
    op.create_index(op.f('ix_welfare_contacts_phone_hash'), 'welfare_contacts', ['phone_hash'],
                    unique=False)

    with op.batch_alter_table('programme_settings') as batch:
        batch.add_column(sa.Column('local_contact_days', sa.Integer(), server_default='7',
                                   nullable=False))
    op.execute("UPDATE programme_settings SET local_contact_days = escalation_days, "
               "escalation_days = CASE WHEN escalation_days + 7 > 90 THEN 90 "
               "ELSE escalation_days + 7 END")
    with op.batch_alter_table('programme_settings') as batch:
        batch.create_check_constraint(
            op.f('ck_programme_settings_escalation_ladder'),
            "0 < second_reminder_days AND second_reminder_days < local_contact_days"
            " AND local_contact_days < escalation_days AND escalation_days <= 90")


def downgrade():
    with op.batch_alter_table('programme_settings') as batch:
        batch.drop_constraint(op.f('ck_programme_settings_escalation_ladder'), type_='check')
    op.execute("UPDATE programme_settings SET escalation_days = local_contact_days")
    with op.batch_alter_table('programme_settings') as batch:
        batch.drop_column('local_contact_days')
    op.drop_index(op.f('ix_welfare_contacts_phone_hash'), table_name='welfare_contacts')
    op.drop_table('welfare_contacts')
