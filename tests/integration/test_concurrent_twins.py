"""Two coordinators approving proposals for two linked records of one child at the same
moment, on PostgreSQL: the group's rows are locked, so exactly one pair is made."""

import pytest
from sqlalchemy import func, select

from extensions import db
from models import ChildDuplicate, Pair, User
from services.duplicates import review
from tests.conftest import COUNTY_A
from tests.integration.test_concurrent_approval import _needs_postgresql, _proposals, _race

pytestmark = pytest.mark.integration
__all__ = ["_needs_postgresql"]


def test_linked_records_race_to_one_pair(app, create_user, create_volunteer, create_child):
    one, two = create_user(), create_user()
    volunteers = [create_volunteer(status="vetted", actor_id=one, capacity="3")
                  for _ in range(2)]
    for round_no in range(3):
        id_number = ["450127201503021234", "450127201503025892", "450127201503022931"][round_no]
        twins = [create_child(one, id_number=id_number, name=name, region_code=COUNTY_A)
                 for name in ("黄小明", "黄晓明")]
        with app.app_context():
            duplicate = db.session.execute(select(ChildDuplicate.id).where(
                ChildDuplicate.child_a_id == min(twins))).scalar_one()
            review.link(db.session, db.session.get(User, one), duplicate)
            db.session.commit()
        ids = _proposals(app, one, [(twins[0], volunteers[0]), (twins[1], volunteers[1])])
        assert _race(app, [one, two], ids) == ["approved", "refused"]
        with app.app_context():
            assert db.session.execute(select(func.count()).select_from(Pair).where(
                Pair.child_id.in_(twins), Pair.status == "active")).scalar_one() == 1
