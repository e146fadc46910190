"""background checks expire; re-pairing

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 18:00:00.000000

"""
from datetime import date, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

LOCAL_TZ = ZoneInfo('Asia/Shanghai')
OLD_STATUSES = "status IN ('pending', 'vetted', 'rejected', 'suspended')"
NEW_STATUSES = "status IN ('pending', 'vetted', 'rejected', 'suspended', 'recheck_needed')"
END_CAUSES = ("end_cause IS NULL OR end_cause IN ('volunteer_withdrew', 'volunteer_suspended', "
              "'check_expired', 'other')")


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def upgrade():
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_validity_months', sa.Integer(),
                                      server_default='12', nullable=False))
        batch_op.create_check_constraint(op.f('ck_programme_settings_check_validity'), 'check_validity_months BETWEEN 1 AND 60')

    with op.batch_alter_table('background_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))

    # Existing checks run 12 months from the day they were recorded (local date).
    checks = sa.table('background_checks', sa.column('id', sa.Integer()),
                      sa.column('checked_at', sa.DateTime(timezone=True)),
                      sa.column('expires_on', sa.Date()))
    conn = op.get_bind()
    for check_id, checked_at in conn.execute(
            sa.select(checks.c.id, checks.c.checked_at)).all():
        if checked_at.tzinfo is None:
            checked_at = checked_at.replace(tzinfo=timezone.utc)
        start = checked_at.astimezone(LOCAL_TZ).date()
        conn.execute(checks.update().where(checks.c.id == check_id)
                     .values(expires_on=_months_later(start, 12)))

    with op.batch_alter_table('background_checks', schema=None) as batch_op:
        batch_op.alter_column('expires_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_index(batch_op.f('ix_background_checks_volunteer_id_expires_on'),
                              ['volunteer_id', 'expires_on'], unique=False)

    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_volunteers_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_volunteers_status'), NEW_STATUSES)

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repair_needed_since', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_children_repair_needed_since'),
                              ['repair_needed_since'], unique=False)

    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_cause', sa.String(length=24), nullable=True))
        batch_op.create_check_constraint(op.f('ck_pairs_end_cause'), END_CAUSES)


def downgrade():
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pairs_end_cause'), type_='check')
        batch_op.drop_column('end_cause')

    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_repair_needed_since'))
        batch_op.drop_column('repair_needed_since')

    op.execute("UPDATE volunteers SET status = 'suspended' WHERE status = 'recheck_needed'")
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_volunteers_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_volunteers_status'), OLD_STATUSES)

    with op.batch_alter_table('background_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_checks_volunteer_id_expires_on'))
        batch_op.drop_column('expires_on')

    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_settings_check_validity'), type_='check')
        batch_op.drop_column('check_validity_months')
