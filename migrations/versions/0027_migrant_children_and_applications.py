"""migrant children (流动儿童) with their county of household registration

Revision ID: 0027_migrant_children_and_applications
Revises: 0020
Create Date: 2026-12-01 22:30:00.000000

Existing children keep every value: the new column is empty for them and the widened
category CHECK still holds each of their rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0027_migrant_children_and_applications'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_CATEGORIES = "category IN ('left_behind', 'in_difficulty')"
NEW_CATEGORIES = "category IN ('left_behind', 'in_difficulty', 'migrant')"


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


def downgrade():
    op.execute("DELETE FROM children WHERE category = 'migrant'")
    with op.batch_alter_table('children') as batch:
        batch.drop_constraint(op.f('ck_children_hukou_only_migrant'), type_='check')
        batch.drop_constraint(op.f('ck_children_category'), type_='check')
        batch.create_check_constraint(op.f('ck_children_category'), OLD_CATEGORIES)
        batch.drop_constraint(op.f('fk_children_hukou_region_code_regions'), type_='foreignkey')
        batch.drop_column('hukou_region_code')
