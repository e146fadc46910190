"""Operator commands (a published contract): users, ledger imports, demo data, keys."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import select, text

from blueprints.children.duplicates import notice_text
from blueprints.followups.cli import reminders_cli, retention_cli
from blueprints.matching.cli import match_cli
from blueprints.web import problem_text, translate
from core import crypto
from core.crypto import lookup_hash
from core.errors import DomainError
from extensions import db
from models import User
from services import imports
from services.access import accounts, api_tokens
from services.demo import load_demo
from services.regions import region_tree
from services.shared.phones import normalise_phone


def register_commands(app: Flask) -> None:

    app.cli.add_command(match_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(keys_cli)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.group("users", cls=AppGroup, help="Manage accounts.")
def users_cli():
    pass


@users_cli.command("create")
@click.option("--role", type=click.Choice(["admin", "coordinator"]), required=True)
@click.option("--name", required=True)
@click.option("--phone", required=True)
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input.")
@click.option("--region", "regions", multiple=True, help="A region code the coordinator covers.")
def create_user(role, name, phone, password_stdin, regions):
    """Create an admin or coordinator account."""
    password = sys.stdin.readline().rstrip("\n")
    try:
        user = accounts.create_user(db.session, role=role, name=name, phone=phone,
                                    password=password, regions=regions)
    except DomainError as error:
        db.session.rollback()
        _fail(gettext(error.message, **error.params))
    db.session.commit()
    click.echo(f"created {role} {user.id} ({user.phone})")


@users_cli.command("token")
@click.option("--phone", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 365))
def create_token(phone, name, days):
    """Create a personal API token and print it (it is shown only this once)."""

    try:
        user = db.session.execute(
            select(User).where(User.phone_hash == lookup_hash(normalise_phone(phone)))
        ).scalar_one_or_none()
    except ValueError:
        user = None
    if user is None:
        _fail(gettext("No such coordinator or admin; create one with "
                      "'flask --app app users create'."))
    token, _ = api_tokens.create_token(db.session, user, name, days)
    db.session.commit()
    click.echo(token)


@click.group("import", cls=AppGroup,
             help="Import a county ledger (.xlsx, .xls, .ods or CSV in UTF-8 or GBK).")
def import_cli():
    pass


def _actor(by: str | None) -> User:
    """The account an import is recorded under: --by PHONE, else the first admin."""

    if by:
        try:
            phone = normalise_phone(by)
        except ValueError:
            _fail(gettext("%(value)s is not a valid mainland mobile number.", value=by))
        stmt = select(User).where(User.phone_hash == lookup_hash(phone), User.role != "volunteer")
    else:
        stmt = select(User).where(User.role == "admin", User.active).order_by(User.id)
    user = db.session.execute(stmt).scalars().first()
    if user is None:
        _fail(gettext("No such coordinator or admin; create one with "
                      "'flask --app app users create'."))
    return user


def _run_import(kind: str, path: str, by: str | None, lang: str, **options) -> None:
    """Import the file and report in ``lang`` (Chinese unless ``en``)."""
    with force_locale("en" if lang == "en" else "zh_CN"):
        _import_and_report(kind, path, by, **options)


def _import_and_report(kind: str, path: str, by: str | None, **options) -> None:
    actor = _actor(by)
    try:
        with open(path, "rb") as fh:
            ledger = imports.read_ledger(fh.read(), kind)
        run = imports.import_children if kind == "children" else imports.import_volunteers
        job = run(db.session, actor, ledger, region_tree(db.session), **options)
    except imports.ImportFailed as failure:
        db.session.rollback()
        click.echo(translate(failure.message, failure.params), err=True)
        for p in failure.problems:
            click.echo(problem_text(p), err=True)
        if failure.total > len(failure.problems):
            click.echo(gettext("… and %(n)s more problems.",
                               n=failure.total - len(failure.problems)), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(gettext("Import %(id)s: %(created)s created, %(updated)s changed, "
                       "%(unchanged)s unchanged.", id=job.id, created=job.created,
                       updated=job.updated, unchanged=(job.report or {}).get("unchanged", 0)))
    for line in result_lines(job, ledger):
        click.echo(line)
    for found in getattr(job, "duplicate_rows", []):
        for notice in found.notices:
            click.echo(gettext("Row %(row)s", row=found.row) + f" ({found.external_id}): "
                       + notice_text(notice))


def result_lines(job, ledger) -> list[str]:
    """How rows were matched to records on file, and the columns left out."""
    lines = []
    matched = (job.report or {}).get("matched_by") or {}
    rules = {"external_id": gettext("by external_id"), "id_number": gettext("by ID number"),
             "name_birth_phone": gettext("by name, birth date and guardian phone"),
             "phone": gettext("by phone number")}
    if matched:
        lines.append(gettext(
            "Rows are recognised, so that importing again updates them, not duplicates "
            "them:") + " " + "; ".join(gettext("%(rule)s: %(n)s rows", rule=rules[rule], n=n)
                                       for rule, n in matched.items() if rule in rules))
    if (job.report or {}).get("vetted"):
        lines.append(gettext("%(n)s volunteers vetted, with the importer recorded as the "
                             "checker.", n=job.report["vetted"]))
    if ledger.extra:
        lines.append(gettext("Columns ignored: %(columns)s.", columns="、".join(ledger.extra)))
    return lines


@import_cli.command("children")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", help="Phone of the coordinator or admin the import is recorded under.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the report.")
def import_children(path, by, lang):
    """Import children; every row or none."""
    _run_import("children", path, by, lang)


@import_cli.command("volunteers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--vetted", is_flag=True, help="Import as vetted, recording the importer as checker.")
@click.option("--by", help="Phone of the coordinator or admin the import is recorded under.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the report.")
def import_volunteers(path, vetted, by, lang):
    """Import volunteers; every row or none."""
    _run_import("volunteers", path, by, lang, vetted=vetted)


@click.group("demo", cls=AppGroup, help="Demo data for trying the platform.")
def demo_cli():
    pass


@demo_cli.command("load")
def demo_load():
    """Create the demo accounts and records (once) and print the log-ins."""
    logins = load_demo(db.session, region_tree(db.session))
    db.session.commit()
    click.echo("Demo log-ins (mobile / password):")
    for role, phone, password in logins:
        click.echo(f"  {role:<12} {phone}  {password}")


@click.group("keys", cls=AppGroup, help="Encryption keys for sensitive fields.")
def keys_cli():
    pass


@keys_cli.command("generate")
def keys_generate():
    """Print a new key for DATA_KEY."""
    click.echo(crypto.generate_key())


#: Every column holding Fernet ciphertext: (table, column).
ENCRYPTED_COLUMNS = (("children", "id_number_encrypted"), ("children", "guardian_phone"),
                     ("users", "phone"), ("volunteers", "phone"), ("sms_outbox", "to_phone"))


@keys_cli.command("rotate")
def keys_rotate():
    """Re-encrypt every encrypted value (ID numbers, phones) under DATA_KEY's first key."""
    count = 0
    for table, column in ENCRYPTED_COLUMNS:
        rows = db.session.execute(text(
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"))
        for row_id, token in rows.all():
            db.session.execute(text(f"UPDATE {table} SET {column} = :token WHERE id = :id"),
                               {"token": crypto.rotate(token), "id": row_id})
            count += 1
    db.session.commit()
    click.echo(f"re-encrypted {count} values")
