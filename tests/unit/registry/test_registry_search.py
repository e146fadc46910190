"""One search for each registry (services/registry/search.py), used by pages and the API."""

from extensions import db
from models import User
from services.registry import children
from tests.conftest import COUNTY_B


def _names(app, user_id, **filters) -> list[str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        stmt = children.search(db.session, user, **filters)
        return [c.name for c in db.session.execute(stmt).scalars()]


def test_percent_and_underscore_are_plain_letters(app, create_user, create_child):
    coordinator = create_user()
    create_child(coordinator, name="黄小明")
    create_child(coordinator, name="韦小红")
    assert _names(app, coordinator, text="%") == []
    assert _names(app, coordinator, text="_") == []
    assert _names(app, coordinator, text="小") == ["黄小明", "韦小红"]


def test_search_stays_within_the_users_counties(app, create_user, create_child):
    mine, theirs = create_user(), create_user(regions=(COUNTY_B,))
    create_child(mine, name="黄小明")
    assert _names(app, theirs, text="黄小明") == []


def test_filters_combine_and_order_follows_the_page(app, create_user, create_child):
    coordinator = create_user()
    create_child(coordinator, name="黄小明", priority="urgent")
    create_child(coordinator, name="韦小红", priority="normal")
    create_child(coordinator, name="农小兰", priority="urgent", consent=False)
    assert _names(app, coordinator, priority="urgent", has_consent=True) == ["黄小明"]
    assert _names(app, coordinator, newest_first=True)[-1] == "黄小明"
