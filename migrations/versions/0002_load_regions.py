"""Load the region table (GB/T 2260, down to county level) from data/regions.csv.

Revision ID: 0002
Revises: 0001
"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REGIONS_CSV = Path(__file__).resolve().parents[2] / "data" / "regions.csv"


def upgrade():
    regions = sa.table(
        "regions",
        sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("parent_code", sa.String), sa.column("level", sa.String),
        sa.column("latitude", sa.Float), sa.column("longitude", sa.Float),
    )
    with open(REGIONS_CSV, encoding="utf-8", newline="") as fh:
        rows = [
            {"code": r["code"], "name": r["name"], "parent_code": r["parent_code"] or None,
             "level": r["level"], "latitude": float(r["latitude"]),
             "longitude": float(r["longitude"])}
            for r in csv.DictReader(fh)
        ]
    # Parents sort before their children by code, so the self-reference always holds.
    op.bulk_insert(regions, rows)


def downgrade():
    op.execute("DELETE FROM regions")
