"""``bot report``, ``export``, ``demo-data`` and ``monthly-report``: plain functions with Typer parameters.

They are registered on the ``bot`` app in bot/cli.py, e.g.
``app.command("report")(report)``, ``app.command("export")(export)``,
``app.command("demo-data")(demo_data)``, ``app.command("monthly-report")(monthly_report)``.
Bad input (a date that is not YYYY-MM-DD, an unknown size, a range that ends before it
starts, a month that is not YYYY-MM) is a usage error naming the option and, for
segments, listing the allowed values.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import typer
from sqlalchemy.engine import Engine, make_url

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters, check_segment
from bot.analytics.formats import FORMATS, render
from bot.storage.database import DATABASE_URL_HELP, analytics_url, create_engine, describe
from bot.storage.models import IngestState

#: Default length of a report's range when --from is not given.
DEFAULT_WEEKS = 12


def _segment_help(dimension: str) -> str:
    return f"Only this {dimension}: {', '.join(SEGMENT_VALUES[dimension])}."


# Options shared by report and export (Typer reads these descriptions; they hold no state).
FROM = typer.Option(None, "--from", help="First day, YYYY-MM-DD (default: 12 weeks before --to).")
TO = typer.Option(None, "--to", help="Last day, YYYY-MM-DD, included (default: today, UTC).")
SIZE = typer.Option(None, "--size", help=_segment_help("size"))
SECTOR = typer.Option(None, "--sector", help=_segment_help("sector"))
NATION = typer.Option(None, "--nation", help=_segment_help("nation"))
DATABASE = typer.Option(None, "--database-url", help=DATABASE_URL_HELP)


def parse_day(value: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value, or a usage error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2025-03-31",
                                 param_hint=option) from error


def build_filters(date_from: str | None, date_to: str | None, size: str | None, sector: str | None,
                  nation: str | None, today: date | None = None) -> Filters:
    """Filters from option values; defaults: --to today (UTC), --from 12 weeks earlier."""
    end = parse_day(date_to, "--to") or today or datetime.now(timezone.utc).date()
    start = parse_day(date_from, "--from") or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if end < start:
        raise typer.BadParameter(f"--to {end} is before --from {start}", param_hint="--from/--to")
    values = {"size": size, "sector": sector, "nation": nation}
    for dimension in DIMENSIONS:
        value = values[dimension]
        if value is not None:
            try:
                values[dimension] = check_segment(dimension, value.strip().lower())
            except ValueError as error:
                raise typer.BadParameter(str(error), param_hint=f"--{dimension}") from error
    return Filters(start, end, **values)


def _existing_engine(database_url: str | None) -> Engine:
    """An engine on a database that exists and has the analytics tables, else a clear error."""
    url = analytics_url(database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(str(parsed.database)).exists():
        typer.echo(f"No analytics database at {parsed.database}: run `bot ingest` (or `bot demo-data`) "
                   "first, or pass --database-url.", err=True)
        raise typer.Exit(code=1)
    engine = create_engine(url)
    try:
        has_tables = sa.inspect(engine).has_table("turns")
    except sa.exc.OperationalError as error:  # a server database that is not there, or no server
        engine.dispose()
        reason = str(error.orig or error).strip().splitlines()[0]
        typer.echo(f"No analytics database at {describe(url)} ({reason}): create it and run `bot migrate` "
                   "(or `bot demo-data`), or pass --database-url.", err=True)
        raise typer.Exit(code=1) from None
    if not has_tables:
        engine.dispose()
        typer.echo(f"The analytics database ({describe(url)}) has no tables yet: run `bot migrate`.",
                   err=True)
        raise typer.Exit(code=1)
    return engine


def report(
    date_from: Optional[str] = FROM,
    date_to: Optional[str] = TO,
    size: Optional[str] = SIZE,
    sector: Optional[str] = SECTOR,
    nation: Optional[str] = NATION,
    output_format: str = typer.Option("table", "--format", help="table, csv or json."),
    database_url: Optional[str] = DATABASE,
    refresh: bool = typer.Option(True, "--refresh/--no-refresh",
                                 help="Bring the rollups up to date first (needs write access)."),
) -> None:
    """Uptake metrics for a date range: reach, plans, commitments, done, helpfulness, gaps."""
    from bot.analytics.metrics import full_report
    from bot.analytics.rollups.refresh import refresh_rollups

    if output_format not in FORMATS:
        raise typer.BadParameter(f"unknown format {output_format!r}; allowed: {', '.join(FORMATS)}",
                                 param_hint="--format")
    filters = build_filters(date_from, date_to, size, sector, nation)
    engine = _existing_engine(database_url)
    try:
        if refresh:
            with engine.begin() as connection:
                refresh_rollups(connection)
        with engine.connect() as connection:
            result = full_report(connection, filters)
    finally:
        engine.dispose()
    typer.echo(render(result, output_format), nl=False)


def export(
    date_from: Optional[str] = FROM,
    date_to: Optional[str] = TO,
    size: Optional[str] = SIZE,
    sector: Optional[str] = SECTOR,
    nation: Optional[str] = NATION,
    output: Optional[str] = typer.Option(None, "--output", "-o", help="CSV file to write (default: stdout)."),
    database_url: Optional[str] = DATABASE,
) -> None:
    """Redacted CSV of turns. No visitor or conversation keys: conversations are numbered per file."""
    from bot.analytics.export import export_turns

    filters = build_filters(date_from, date_to, size, sector, nation)
    engine = _existing_engine(database_url)
    try:
        with engine.connect() as connection:
            if output is None:
                count = export_turns(connection, filters, sys.stdout)
            else:
                # A file is for people: the byte-order mark makes Excel read it as UTF-8.
                with Path(output).open("w", encoding="utf-8", newline="") as handle:
                    count = export_turns(connection, filters, handle, bom=True)
    finally:
        engine.dispose()
    if output is not None:
        typer.echo(f"{count} turns written to {output}", err=True)


def demo_data(
    turns: int = typer.Option(10_000, "--turns", min=1, help="How many turns to write (about)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same data."),
    weeks: int = typer.Option(12, "--weeks", min=1, help="Weeks of data, ending last Sunday."),
    database_url: Optional[str] = DATABASE,
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Fill the analytics tables with synthetic conversations (never into ingested data)."""
    from bot.analytics.demo_data import generate
    from bot.storage.database import upgrade

    url = analytics_url(database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            ingested = connection.execute(
                sa.select(sa.func.count()).select_from(IngestState.__table__)).scalar()
        if ingested:
            typer.echo(f"{describe(url)} holds ingested conversations; demo data would mix with them. "
                       "Use another --database-url.", err=True)
            raise typer.Exit(code=1)
        summary = generate(engine, turns=turns, seed=seed, weeks=weeks, progress=progress)
    finally:
        engine.dispose()
    typer.echo(f"Wrote {summary.turns} turns, {summary.conversations} conversations, {summary.visitors} "
               f"visitors, {summary.plan_items} plan items, {summary.commitments} commitments and "
               f"{summary.feedback} feedback rows, {summary.start} to {summary.end}, to {describe(url)}.")


def monthly_report(
    month: Optional[str] = typer.Option(None, "--month", help="YYYY-MM (default: last month, UTC)."),
    pdf: Optional[str] = typer.Option(None, "--pdf", help="Write the report as a PDF to this file."),
    email: bool = typer.Option(False, "--email", help=(
        "Email the report to REPORT_EMAIL_TO through SMTP_URL, once per month. Without --month: "
        "last month's, from the first working day of this month (Monday to Friday, skipping the "
        "bank holidays of REPORT_BANK_HOLIDAYS, default england); never a month not yet over.")),
    database_url: Optional[str] = DATABASE,
    refresh: bool = typer.Option(True, "--refresh/--no-refresh",
                                 help="Bring the rollups up to date first (needs write access)."),
) -> None:
    """The month's report (as on the dashboard's Monthly report) as a PDF, by email, or both."""
    from bot.analytics import monthly, monthly_email, monthly_pdf
    from bot.analytics.rollups.refresh import refresh_rollups

    try:
        period = monthly.month_period(month, datetime.now(timezone.utc).date())
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--month") from error
    if pdf is None and not email:
        raise typer.BadParameter("say what to make: --pdf FILE, --email or both", param_hint="--pdf/--email")
    config = None
    if email:
        try:
            config = monthly_email.configured()
        except ValueError as error:
            typer.echo(f"Monthly report email: {error}", err=True)
            raise typer.Exit(code=2) from error
        if config is None:
            typer.echo("The monthly report email is off: set REPORT_EMAIL_TO and SMTP_URL to send it.")
    engine = _existing_engine(database_url)
    try:
        if pdf is not None:
            if refresh:
                with engine.begin() as connection:
                    refresh_rollups(connection)
            with engine.connect() as connection:
                found = monthly.report(connection, period, Filters(period.start, period.end))
            Path(pdf).write_bytes(monthly_pdf.render(found))
            typer.echo(f"Monthly report for {period.start:%B %Y} written to {pdf}.")
        if config is not None:
            # Refreshed once: for the PDF, or (only when it is due) just before sending.
            again = refresh and pdf is None
            outcome = (monthly_email.send(engine, config, period, refresh=again) if month is not None
                       else monthly_email.send_due(engine, config, refresh=again))
            typer.echo(outcome.reason)
    finally:
        engine.dispose()
