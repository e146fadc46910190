"""`flask match run | export | approve` (a published contract)."""

import csv
import gc
import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext
from sqlalchemy import select

from blueprints.background import enqueue
from core.errors import DomainError
from core.memory import peak_mib
from extensions import db
from models import Child, MatchRun, Proposal, User, Volunteer
from services.access import audit
from services.matching import runs
from services.pairs import lifecycle
from services.shared.spreadsheet import escape_cell


@click.group("match", cls=AppGroup, help="Matching runs.")
def match_cli():
    pass


@match_cli.command("run")
@click.option("--region", "region_code", required=True, help="County, city or province code.")
@click.option("--async", "run_async", is_flag=True, help="Queue it on Celery instead.")
def run(region_code, run_async):
    """Run matching for a region and print one JSON line."""
    # The app's objects live as long as the command: garbage collections during the run
    # and at exit need not walk them (a third of a second at exit, measured).
    gc.freeze()
    try:
        match_run = runs.start_run(db.session, None, region_code)
    except DomainError as error:
        db.session.rollback()
        click.echo(gettext(error.message, **error.params), err=True)
        sys.exit(1)
    db.session.commit()
    if run_async:

        enqueue("matching.run", match_run.id)
        click.echo(json.dumps({"run_id": match_run.id, "status": "queued"}))
        return
    started = time.perf_counter()
    match_run = runs.execute_run(db.session, match_run.id, commit=db.session.commit,
                                 memory_mb=current_app.config["MATCH_MEMORY_MB"])
    if match_run.status == "failed":
        click.echo(gettext(match_run.error), err=True)
        sys.exit(1)
    stats = match_run.stats
    click.echo(json.dumps({
        "run_id": match_run.id, "children": stats["children"],
        "volunteers": stats["volunteers"], "candidates": stats["candidates"],
        "proposed": stats["proposed"], "seconds": round(time.perf_counter() - started, 3),
        "phases": stats["seconds"],
        "peak_mib": peak_mib(),
    }))


@match_cli.command("export")
@click.argument("run_id", type=int)
def export(run_id):
    """Write a run's proposals as CSV to standard output."""
    if db.session.get(MatchRun, run_id) is None:
        click.echo(f"no run {run_id}", err=True)
        sys.exit(1)
    rows = db.session.execute(
        select(Child.external_id, Volunteer.external_id, Proposal.distance_km,
               Proposal.quality, Proposal.priority)
        .join(Child, Child.id == Proposal.child_id)
        .join(Volunteer, Volunteer.id == Proposal.volunteer_id)
        .where(Proposal.run_id == run_id).order_by(Proposal.id))

    audit.record(db.session, None, "run.export", "run", run_id)
    db.session.commit()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["child_external_id", "volunteer_external_id", "distance_km", "quality",
                     "priority"])
    for child_ext, volunteer_ext, distance, quality, priority in rows:
        writer.writerow([escape_cell(child_ext or ""), escape_cell(volunteer_ext or ""),
                         f"{distance:.3f}", f"{quality:.3f}", priority])


@match_cli.command("approve")
@click.argument("run_id", type=int)
@click.option("--all", "approve_all", is_flag=True, required=True,
              help="Approve every open proposal of the run.")
def approve(run_id, approve_all):
    """Approve a run's open proposals (the same service as the web page)."""
    actor = db.session.execute(select(User).where(User.role == "admin", User.active)
                               .order_by(User.id)).scalars().first()
    if actor is None:
        click.echo(gettext("No such coordinator or admin; create one with "
                           "'flask --app app users create'."), err=True)
        sys.exit(1)
    ids = db.session.execute(select(Proposal.id).where(
        Proposal.run_id == run_id, Proposal.status == "open").order_by(Proposal.id)).scalars()
    approved, failed = lifecycle.approve_many(db.session, actor, list(ids))
    db.session.commit()
    click.echo(json.dumps({"run_id": run_id, "approved": approved, "failed": len(failed)}))
