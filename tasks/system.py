"""Housekeeping tasks."""

from celery import shared_task
from sqlalchemy import func, select

from extensions import db
from models import Region


@shared_task(name="system.ping", ignore_result=False)
def ping() -> dict:
    """Answer with the number of regions: proves the worker reaches the database."""
    regions = db.session.execute(select(func.count()).select_from(Region)).scalar_one()
    return {"pong": True, "regions": regions}
