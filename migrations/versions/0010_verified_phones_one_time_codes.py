"""verified phones: one-time codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('issued_minute', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('signup', 'reset')", name=op.f('ck_phone_codes_purpose')),
    sa.CheckConstraint('tries >= 0 AND tries <= 5', name=op.f('ck_phone_codes_tries')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_phone_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_codes')),
    sa.UniqueConstraint('phone_hash', 'issued_minute', name=op.f('uq_phone_codes_phone_hash_issued_minute'))
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_client_hash'), ['client_hash', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_codes_phone_hash'), ['phone_hash', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True))
    # Accounts from before one-time codes existed were vouched for when they were made.
    op.execute("UPDATE users SET phone_verified_at = created_at")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_users_active_verified'), 'NOT active OR phone_verified_at IS NOT NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_active_verified'), type_='check')
        batch_op.drop_column('phone_verified_at')
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_codes_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_phone_codes_client_hash'))
    op.drop_table('phone_codes')
