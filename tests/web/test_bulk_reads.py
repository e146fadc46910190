"""read_rows: plain tuples straight from the driver on PostgreSQL, the same values as
SQLAlchemy gives; a column SQLAlchemy must convert itself is refused there."""

from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models import Child
from services.shared.bulk import read_rows


def test_rows_read_plainly_equal_what_sqlalchemy_reads(app, create_user, create_child):
    coordinator = create_user()
    create_child(coordinator, name="黄一", birth_date="2015-03-01")
    create_child(coordinator, name="黄二", priority="urgent")
    query = (select(Child.id, Child.latitude, Child.birth_date, Child.needs, Child.consenting,
                    Child.repair_needed_since.is_not(None))
             .order_by(Child.id))
    with app.app_context():
        plain = read_rows(db.session, query)
        expected = db.session.connection().execute(query).tuples().all()
        assert [tuple(row) for row in plain] == [tuple(row) for row in expected]
        assert len(plain) == 2 and isinstance(plain[0][2], date)
        assert plain[0][2] == date(2015, 3, 1) and plain[0][4] is True


def test_a_column_sqlalchemy_converts_is_not_read_plainly(app, create_user, create_child):
    create_child(create_user(), name="黄三")
    query = select(Child.id, Child.guardian_phone)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert read_rows(db.session, query)[0][1] == "+8613700001234"  # decrypted
            return
        with pytest.raises(ValueError, match="guardian_phone"):
            read_rows(db.session, query)
