"""A small demo data set for the embedded mode: log-ins a newcomer can try at once."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crypto import lookup_hash
from models import User
from services.access import accounts
from services.regions import RegionTree
from services.registry import children, volunteers

PASSWORD = "qianshou-demo"
#: Two Guangxi counties: 横县 (Nanning) and 资源县 (Guilin).
COUNTY_A, COUNTY_B = "450127", "450329"

STAFF = [
    ("admin", "系统管理员", "13800000001", ()),
    ("coordinator", "黄协调员", "13800000002", (COUNTY_A,)),
    ("coordinator", "蒙协调员", "13800000003", (COUNTY_B,)),
]

VOLUNTEERS = [
    ("韦丽华", "13900000011", "F", COUNTY_A, "academic;emotional", 2, "vetted"),
    ("陆建国", "13900000012", "M", COUNTY_A, "safety;culture", 1, "pending"),
    ("莫小燕", "13900000013", "F", COUNTY_B, "emotional;health", 1, "vetted"),
    ("覃志强", "13900000014", "M", COUNTY_B, "academic;online", 3, "pending"),
]

CHILDREN = [
    ("黄小明", "M", date(2015, 3, 2), COUNTY_A, "academic;emotional", "urgent", "黄奶奶"),
    ("韦小花", "F", date(2016, 7, 19), COUNTY_A, "emotional", "high", "韦爷爷"),
    ("陆小军", "M", date(2013, 11, 5), COUNTY_A, "safety;online", "normal", "陆奶奶"),
    ("莫小梅", "F", date(2014, 1, 23), COUNTY_B, "health;emotional", "high", "莫外婆"),
    ("覃小龙", "M", date(2017, 9, 30), COUNTY_B, "academic", "normal", "覃爷爷"),
]


def load_demo(session: Session, tree: RegionTree) -> list[tuple[str, str, str]]:
    """Create the demo accounts and records once; return (role, phone, password) log-ins."""
    logins = [(role, phone, PASSWORD) for role, _, phone, _ in STAFF]
    logins.append(("volunteer", VOLUNTEERS[0][1], PASSWORD))
    if session.execute(select(User.id).where(
            User.phone_hash == lookup_hash("+86" + STAFF[0][2]))).first():
        return logins
    users = [accounts.create_user(session, role=role, name=name, phone=phone,
                                  password=PASSWORD, regions=regions)
             for role, name, phone, regions in STAFF]
    admin = users[0]
    for name, phone, gender, county, skills, capacity, status in VOLUNTEERS:
        volunteer = volunteers.sign_up(session, {
            "name": name, "phone": phone, "password": PASSWORD, "gender": gender,
            "region_code": county, "skills": skills, "capacity": capacity,
            "max_distance_km": 30, "privacy_consent": True,
        }, tree, phone_verified=True)
        if status == "vetted":
            volunteers.record_check(session, admin, volunteer, certificate_no="桂公无犯2026-001",
                                    issuing_office="县公安局", issued_on=date(2026, 1, 5))
            volunteers.change_status(session, admin, volunteer, "vetted")
    for name, gender, birth, county, needs, priority, guardian in CHILDREN:
        children.register_child(session, admin, {
            "name": name, "gender": gender, "birth_date": birth, "region_code": county,
            "category": "left_behind", "sub_type": "both_parents_away", "needs": needs,
            "priority": priority, "guardian_name": guardian, "guardian_relation": "grandparent",
            "guardian_phone": "13700000000", "township": "",
        }, tree, consent={"given_by": guardian, "relation": "grandparent", "method": "paper",
                          "given_on": date(2026, 1, 10)})
    return logins
