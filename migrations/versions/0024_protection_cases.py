"""a concern becomes a protection case: report, acknowledge, assess, refer, close

Revision ID: 0024_protection_cases
Revises: 0021_sms_priority_classes
Create Date: 2026-12-01 22:30:00.000000

Existing concerns become cases: open ones wait for acknowledgement (due 24 hours after
they were raised), closed ones keep their action as the outcome and reason.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024_protection_cases'
down_revision = '0027_migrant_children_and_applications'
branch_labels = None
depends_on = None

STEPS = "step IN ('reported', 'acknowledged', 'assessed', 'referred', 'closed')"
REPORTERS = "reporter_kind IN ('volunteer', 'coordinator', 'local_contact', 'guardian')"
RISKS = "risk_level IS NULL OR risk_level IN ('low', 'medium', 'high', 'immediate')"
DEPARTMENTS = ("department IN ('civil_affairs', 'public_security', 'education', 'health', "
               "'womens_federation', 'youth_league', 'disabled_federation', 'judicial', "
               "'cyberspace')")
EVENTS = ("kind IN ('reported', 'acknowledged', 'escalated', 'assessed', 'referred', "
          "'referral_outcome', 'closed')")
UNACKNOWLEDGED = "status = 'open' AND acknowledged_at IS NULL"


def upgrade():
    with op.batch_alter_table('programme_settings') as batch:
        batch.add_column(sa.Column('ack_hours_immediate', sa.Integer(), server_default='2',
                                   nullable=False))
        batch.add_column(sa.Column('ack_hours_other', sa.Integer(), server_default='24',
                                   nullable=False))
        batch.create_check_constraint(
            'ack_hours', 'ack_hours_immediate BETWEEN 1 AND 24 AND ack_hours_other BETWEEN 1 '
                         'AND 168')

    with op.batch_alter_table('contact_logs') as batch:
        batch.add_column(sa.Column('school_dropout', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))

    with op.batch_alter_table('concerns') as batch:
        batch.add_column(sa.Column('step', sa.String(16), server_default='reported',
                                   nullable=False))
        batch.add_column(sa.Column('immediate_danger', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('occurred_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('place', sa.String(200), server_default='', nullable=False))
        batch.add_column(sa.Column('reporter_kind', sa.String(16), server_default='volunteer',
                                   nullable=False))
        batch.add_column(sa.Column('reporter_name', sa.String(64), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('ack_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ack_rungs_sent', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('acknowledged_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('risk_level', sa.String(16), nullable=True))
        batch.add_column(sa.Column('plan', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('next_review_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('close_reason', sa.Text(), server_default='',
                                   nullable=False))
        batch.create_foreign_key(op.f('fk_concerns_acknowledged_by_id_users'), 'users',
                                 ['acknowledged_by_id'], ['id'], ondelete='SET NULL')
    # Closed concerns: closing counts as acknowledging; the action is outcome and reason.
    op.execute("UPDATE concerns SET step = 'closed', acknowledged_at = action_at, "
               "acknowledged_by_id = action_by_id, close_reason = action "
               "WHERE status = 'closed'")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE concerns SET ack_due_at = created_at + interval '24 hours' "
                   "WHERE status = 'open'")
    else:
        op.execute("UPDATE concerns SET ack_due_at = datetime(created_at, '+24 hours') "
                   "WHERE status = 'open'")
    with op.batch_alter_table('concerns') as batch:
        batch.create_check_constraint('step', STEPS)
        batch.create_check_constraint('reporter_kind', REPORTERS)
        batch.create_check_constraint('risk_level', RISKS)
        batch.create_check_constraint('closed_step', "(status = 'closed') = (step = 'closed')")
        batch.create_check_constraint('acknowledged_step',
                                      "step = 'reported' OR acknowledged_at IS NOT NULL")
    op.create_index('ix_concerns_ack_due', 'concerns', ['ack_due_at'], unique=False,
                    postgresql_where=sa.text(UNACKNOWLEDGED),
                    sqlite_where=sa.text(UNACKNOWLEDGED))

    op.create_table('case_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=24), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.Text(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('guardianship_intervention', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(DEPARTMENTS, name=op.f('ck_case_referrals_department')),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'],
                            name=op.f('fk_case_referrals_concern_id_concerns'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_case_referrals_created_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_referrals')),
    )
    op.create_index(op.f('ix_case_referrals_concern_id'), 'case_referrals', ['concern_id'],
                    unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.CheckConstraint(EVENTS, name=op.f('ck_case_events_kind')),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'],
                            name=op.f('fk_case_events_concern_id_concerns'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                            name=op.f('fk_case_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    )
    op.create_index(op.f('ix_case_events_concern_id'), 'case_events', ['concern_id', 'id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_events_concern_id'), table_name='case_events')
    op.drop_table('case_events')
    op.drop_index(op.f('ix_case_referrals_concern_id'), table_name='case_referrals')
    op.drop_table('case_referrals')
    op.drop_index('ix_concerns_ack_due', table_name='concerns')
    with op.batch_alter_table('concerns') as batch:
        for name in ('acknowledged_step', 'closed_step', 'risk_level', 'reporter_kind', 'step'):
            batch.drop_constraint(op.f(f'ck_concerns_{name}'), type_='check')
        batch.drop_constraint(op.f('fk_concerns_acknowledged_by_id_users'),
                              type_='foreignkey')
        for column in ('close_reason', 'assessed_at', 'next_review_on', 'plan', 'risk_level',
                       'acknowledged_by_id', 'acknowledged_at', 'ack_rungs_sent', 'ack_due_at',
                       'reporter_name', 'reporter_kind', 'place', 'occurred_on',
                       'immediate_danger', 'step'):
            batch.drop_column(column)
    with op.batch_alter_table('contact_logs') as batch:
        batch.drop_column('school_dropout')
    with op.batch_alter_table('programme_settings') as batch:
        batch.drop_constraint(op.f('ck_programme_settings_ack_hours'), type_='check')
        batch.drop_column('ack_hours_other')
        batch.drop_column('ack_hours_immediate')
