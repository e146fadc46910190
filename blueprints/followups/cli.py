"""`flask reminders sweep | send` (a published contract; --now sets the clock)."""

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from core import clock
from extensions import db
from services.followups import reminders
from services.registry import retention
from services.settings import get_settings
from services.sms import sender
from services.sms.failover import chain_from_config


@click.group("reminders", cls=AppGroup, help="Follow-up reminders by SMS.")
def reminders_cli():
    pass


def _moment(value: str | None) -> datetime:
    if not value:
        return clock.now()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2026-12-01T10:00:00+08:00")
    return moment


@reminders_cli.command("sweep")
@click.option("--now", "at", help="The time to sweep at (ISO 8601 with zone).")
@click.option("--send", is_flag=True, help="Also send the due messages now, in this process.")
def sweep(at, send):
    """Queue every reminder due at --now (default: now)."""
    moment = _moment(at)
    with clock.frozen(moment):
        result = reminders.sweep(db.session, moment, get_settings(db.session))
        db.session.commit()
        if send:
            result["sent"] = _send(moment)
    click.echo(json.dumps(result))


@reminders_cli.command("send")
@click.option("--now", "at", help="The time to send at (ISO 8601 with zone).")
def send(at):
    """Send the due outbox messages in this process."""
    moment = _moment(at)
    with clock.frozen(moment):
        click.echo(json.dumps(_send(moment)))


@click.group("retention", cls=AppGroup, help="Personal data retention.")
def retention_cli():
    pass


@retention_cli.command("run")
@click.option("--now", "at", help="The time to run at (ISO 8601 with zone).")
def run_retention(at):
    """Anonymise children past retention; delete old rejected applications."""

    moment = _moment(at)
    with clock.frozen(moment):
        result = retention.run(db.session, moment, current_app.config["RETENTION_YEARS"],
                               current_app.config["REJECTED_APPLICATION_DAYS"])
        db.session.commit()
    click.echo(json.dumps(result))


def _send(moment: datetime) -> dict:
    return sender.send_due(db.session, chain_from_config(current_app.config), moment,
                               commit=db.session.commit,
                               daily_cap=current_app.config["SMS_DAILY_CAP"])
