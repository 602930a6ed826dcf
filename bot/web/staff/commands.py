"""``bot staff add|disable|enable|reset-password|unlock|list``: staff accounts from the command line.

Passwords are read with a hidden prompt (typed twice). For scripts and tests,
``--password-stdin`` reads the first line of standard input instead; there is no
password option, so passwords never land in shell history or the process list.
Each command migrates the analytics database first, so it works on a new database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Optional, TypeVar

import typer

from bot.web.staff.accounts import ROLES, AccountError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

from bot.storage.database import DATABASE_URL_HELP

T = TypeVar("T")

app = typer.Typer(help="Staff dashboard accounts (stored in the analytics database).", no_args_is_help=True)

DATABASE = typer.Option(None, "--database-url", help=DATABASE_URL_HELP)
PASSWORD_STDIN = typer.Option(False, "--password-stdin",
                              help="Read the password from the first line of standard input.")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _run(database_url: str | None, work: Callable[[Connection], T]) -> T:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.database import create_engine, describe, upgrade

    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            return work(connection)
    except AccountError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from error
    except SQLAlchemyError as error:
        typer.echo(f"Could not use {describe(engine.url)}: {error}", err=True)
        raise typer.Exit(code=1) from error
    finally:
        engine.dispose()


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name: letters, numbers, dots, dashes, underscores, @."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = PASSWORD_STDIN,
    database_url: Optional[str] = DATABASE,
) -> None:
    """Create a staff login (analysts see figures and transcripts; admins also manage and export)."""
    from bot.web.staff import accounts, audit

    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; allowed: {', '.join(ROLES)}", param_hint="--role")
    try:
        accounts.check_username(username)
    except AccountError as error:
        raise typer.BadParameter(str(error), param_hint="USERNAME") from error
    password = _password(password_stdin)

    def work(connection: Connection) -> accounts.Staff:
        staff = accounts.add(connection, username, role, password, _now())
        audit.record(connection, _now(), "command line", "staff_add",
                     f"{staff.username} as {staff.role}")
        return staff

    staff = _run(database_url, work)
    typer.echo(f"Added {staff.username} as {staff.role}. They can sign in at /staff/login.")


def _set_active(username: str, active: bool, database_url: str | None) -> None:
    from bot.web.staff import accounts, audit

    def work(connection: Connection) -> None:
        staff = accounts.set_active(connection, username, active)
        audit.record(connection, _now(), "command line",
                     "staff_enable" if active else "staff_disable", staff.username)

    _run(database_url, work)
    typer.echo(f"{accounts.normalise_username(username)} is {'enabled' if active else 'disabled'}"
               f"{'' if active else ' and signed out everywhere'}.")


@app.command("disable")
def disable(username: str = typer.Argument(...), database_url: Optional[str] = DATABASE) -> None:
    """Stop an account signing in and end its sessions (the account and its audit trail stay)."""
    _set_active(username, False, database_url)


@app.command("enable")
def enable(username: str = typer.Argument(...), database_url: Optional[str] = DATABASE) -> None:
    """Let a disabled account sign in again."""
    _set_active(username, True, database_url)


@app.command("reset-password")
def reset_password(
    username: str = typer.Argument(...),
    password_stdin: bool = PASSWORD_STDIN,
    database_url: Optional[str] = DATABASE,
) -> None:
    """Set a new password; ends the account's sessions and clears a sign-in lock."""
    from bot.web.staff import accounts, audit

    password = _password(password_stdin)

    def work(connection: Connection) -> None:
        staff = accounts.reset_password(connection, username, password, _now())
        audit.record(connection, _now(), "command line", "staff_reset_password",
                     staff.username)

    _run(database_url, work)
    typer.echo(f"New password set for {accounts.normalise_username(username)}.")


@app.command("unlock")
def unlock(username: str = typer.Argument(...), database_url: Optional[str] = DATABASE) -> None:
    """Clear a sign-in lock after too many wrong passwords."""
    from bot.web.staff import accounts

    _run(database_url, lambda connection: accounts.unlock(connection, username))
    typer.echo(f"Sign-in lock cleared for {accounts.normalise_username(username)}.")


@app.command("list")
def list_accounts(database_url: Optional[str] = DATABASE) -> None:
    """Every account with its role and state."""
    from bot.web.staff import accounts

    people = _run(database_url, accounts.list_staff)
    if not people:
        typer.echo("No staff accounts yet: add one with `bot staff add NAME --role admin`.")
    for person in people:
        state = "active" if person["active"] else "disabled"
        typer.echo(f"{person['username']}\t{person['role']}\t{state}")


@app.command("monthly-report")
def monthly_report(
    month: Optional[str] = typer.Option(None, "--month", help="YYYY-MM (default: last month, UTC)."),
    output: str = typer.Option(..., "--output", "-o", help="HTML file to write (print it, or save as PDF)."),
    database_url: Optional[str] = DATABASE,
) -> None:
    """The month's report as one self-contained HTML page, the same as the dashboard's Monthly report."""
    from pathlib import Path

    from bot.analytics import monthly
    from bot.analytics.definitions import DEFINITIONS
    from bot.analytics.filters import DIMENSIONS, Filters
    from bot.analytics.rollups.refresh import refresh_rollups
    from bot.web.staff.query import Chosen
    from bot.web.staff.rendering import HERE, templates

    try:
        period = monthly.month_period(month, _now().date())
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--month") from error

    def work(connection: Connection) -> dict[str, object]:
        refresh_rollups(connection)
        return monthly.report(connection, period, Filters(period.start, period.end))

    found = _run(database_url, work)
    chosen = Chosen(Filters(period.start, period.end), period=period)
    body = templates.get_template("report.html").render(
        request_path="", who=None, chosen=chosen, query="", dimensions=DIMENSIONS, report=found,
        definitions=DEFINITIONS, standalone_css=(HERE / "static" / "staff.css").read_text(encoding="utf-8"))
    Path(output).write_text(body, encoding="utf-8")
    typer.echo(f"Monthly report for {period.start:%B %Y} written to {output}.")
