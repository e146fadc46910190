"""possible duplicate children across counties: look-up keys and decisions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pinyin_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_children_id_number_hash'), ['id_number_hash'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_children_pinyin_key_hash'), ['pinyin_key_hash'],
                              unique=False)

    op.create_table('child_duplicates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_a_id', sa.Integer(), nullable=False),
    sa.Column('child_b_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('child_a_id < child_b_id', name=op.f('ck_child_duplicates_ordered')),
    sa.CheckConstraint("rule IN ('id_number', 'name_birth_phone', 'pinyin_birth_county', 'linked_group')", name=op.f('ck_child_duplicates_rule')),
    sa.CheckConstraint("status IN ('open', 'linked', 'dismissed')", name=op.f('ck_child_duplicates_status')),
    sa.ForeignKeyConstraint(['child_a_id'], ['children.id'], name=op.f('fk_child_duplicates_child_a_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_b_id'], ['children.id'], name=op.f('fk_child_duplicates_child_b_id_children'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_child_duplicates_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_duplicates')),
    sa.UniqueConstraint('child_a_id', 'child_b_id', name=op.f('uq_child_duplicates_child_a_id_child_b_id'))
    )
    with op.batch_alter_table('child_duplicates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_duplicates_child_b_id'), ['child_b_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_duplicates_status'), ['status'], unique=False)

    # Look-up keys for the children already registered (the app's keys: run this through
    # `flask db upgrade`). Their possible duplicates are found when they are next saved.
    from core import crypto
    from services.duplicates.detect import id_number_key, pinyin_key

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, name, birth_date, region_code, id_number_encrypted FROM children "
        "WHERE anonymised_at IS NULL")).all()
    for child_id, name, birth, region, encrypted in rows:
        if isinstance(birth, str):
            from datetime import date
            birth = date.fromisoformat(birth)
        conn.execute(sa.text("UPDATE children SET id_number_hash = :id_hash, "
                             "pinyin_key_hash = :pinyin WHERE id = :id"),
                     {"id_hash": id_number_key(crypto.decrypt(encrypted)) if encrypted else None,
                      "pinyin": pinyin_key(name, birth, region), "id": child_id})


def downgrade():
    with op.batch_alter_table('child_duplicates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_duplicates_status'))
        batch_op.drop_index(batch_op.f('ix_child_duplicates_child_b_id'))
    op.drop_table('child_duplicates')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_pinyin_key_hash'))
        batch_op.drop_index(batch_op.f('ix_children_id_number_hash'))
        batch_op.drop_column('pinyin_key_hash')
        batch_op.drop_column('id_number_hash')
