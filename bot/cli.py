"""The ``bot`` command line: build steps and the web process."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import List

import typer

from bot.analytics import commands
from bot.guidance.knowledge import KnowledgeBaseError, load_knowledge_base
from bot.paths import PROJECT_ROOT
from bot.scaled.cli import nginx_config, run_scaled
from bot.settings import ROLLUP_REFRESH_DEFAULT_SECONDS
from bot.storage.database import DATABASE_URL_HELP
from bot.web.staff import commands as staff_commands

app = typer.Typer(help="Tools for the SME cyber guidance assistant.", no_args_is_help=True)

#: Everything `rasa train` reads, and the code of the project's own NLU components.
#: A change to any of these means the model must be retrained.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules.yml", "data/stories.yml",
                   "data/patterns", "data/answers", "requirements-encoder.txt", "bot/nlp",
                   "bot/guidance/knowledge/answers.py")


def training_fingerprint(root: Path = PROJECT_ROOT, inputs: tuple[str, ...] = TRAINING_INPUTS) -> str:
    digest = hashlib.sha256()
    for name in inputs:
        path = root / name
        files: List[Path] = sorted(p for p in path.rglob("*") if p.is_file()
                                   and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()


@app.command("fingerprint")
def fingerprint() -> None:
    """Print a hash of every file that training reads."""
    typer.echo(training_fingerprint())


@app.command("build-spacy")
def build_spacy() -> None:
    """Build the project's spaCy pipeline (blank English + EntityRuler) if patterns changed."""
    from bot.nlp.pipeline import DEFAULT_OUTPUT, build_pipeline

    built = build_pipeline()
    typer.echo(f"{'Built' if built else 'Up to date:'} {DEFAULT_OUTPUT.relative_to(PROJECT_ROOT)}")


@app.command("build-encoder")
def build_encoder() -> None:
    """Fetch the sentence encoder's files (about 90 MB, once), check them, distil its vectors."""
    from bot.nlp.encoder_assets import DEFAULT_OUTPUT, EncoderAssetError, build_encoder

    relative = DEFAULT_OUTPUT.relative_to(PROJECT_ROOT)
    if not DEFAULT_OUTPUT.exists():
        typer.echo(f"Fetching the sentence encoder into {relative} (about 90 MB, once)")
    def progress(done: int, total: int) -> None:
        if done == total or done // 1024 % 6 == 0:
            typer.echo(f"  distilling word-piece vectors: {done:,} of {total:,}")

    try:
        built = build_encoder(progress=progress)
    except EncoderAssetError as error:
        typer.echo(f"Sentence encoder: {error}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"{'Built' if built else 'Up to date:'} {relative}")


@app.command("build-places")
def build_places() -> None:
    """Build build/places.json: UK place names and their nation, from the gazetteers."""
    from bot.guidance.places import PLACES_FILE, write_table

    count = write_table()
    typer.echo(f"Built {PLACES_FILE.relative_to(PROJECT_ROOT)} ({count:,} place names)")


_ANSWER_FILES = typer.Argument(None, help="answer files; default: all of data/answers")


@app.command("check-answers")
def check_answers(files: List[Path] = _ANSWER_FILES) -> None:
    """Validate answer files (data/answers) and list answers below Flesch reading ease 60."""
    from bot.guidance.knowledge.answers import main as check

    raise typer.Exit(code=check([str(f) for f in files or []]))


@app.command("check-kb")
def check_kb() -> None:
    """Validate the knowledge base and report its size."""
    try:
        kb = load_knowledge_base()
    except KnowledgeBaseError as error:
        typer.echo(f"Knowledge base error: {error}", err=True)
        raise typer.Exit(code=1) from error
    steps = kb.all_steps()
    typer.echo(f"{len(kb.topics)} topics, {len(steps)} steps, "
               f"{sum(s.must_do for s in steps)} must-dos, {len(kb.incidents)} incident types")


@app.command("web")
def web(
    host: str = typer.Option(None, help="Interface to listen on (env WEB_HOST, default 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (env WEB_PORT, default 8000)"),
) -> None:
    """Run the web process."""
    from bot.settings import web_host, web_port
    from bot.web.app import create_app

    create_app().run(host=host or web_host(), port=port or web_port(), access_log=False,
                     motd=False)


TRACKER_URL_HELP = "Rasa's SQL tracker store (env TRACKER_STORE_URL, default SQLite var/tracker.db)"


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command("migrate")
def migrate(database_url: str = typer.Option(None, help=DATABASE_URL_HELP)) -> None:
    """Create or upgrade the analytics tables (Alembic migrations in migrations/)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.database import analytics_url, current_revision, describe, upgrade

    url = analytics_url(database_url)
    try:
        before = current_revision(url)
        upgrade(url)
        after = current_revision(url)
    except SQLAlchemyError as error:
        typer.echo(f"Could not migrate {describe(url)}: {error}", err=True)
        raise typer.Exit(code=1) from error
    change = "already up to date" if before == after else f"from {before or 'an empty database'}"
    typer.echo(f"{describe(url)} is at revision {after} ({change})")


@app.command("ingest")
def ingest(
    follow: bool = typer.Option(False, "--follow", help="Keep ingesting new events until stopped"),
    interval: float = typer.Option(2.0, help="Seconds between checks with --follow"),
    batch_size: int = typer.Option(500, help="Events per transaction"),
    refresh_every: int = typer.Option(
        None, "--refresh-every", min=1,
        help="Least seconds between dashboard rollup refreshes with --follow "
             f"(env ROLLUP_REFRESH_SECONDS, default {ROLLUP_REFRESH_DEFAULT_SECONDS})"),
    tracker_url: str = typer.Option(None, help=TRACKER_URL_HELP),
    database_url: str = typer.Option(None, help=DATABASE_URL_HELP),
) -> None:
    """Turn new tracker-store events into analytics rows (migrating the analytics tables first)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.analytics import IngestError, IngestReport, ingest_once
    from bot.analytics import follow as follow_events
    from bot.storage.database import analytics_url, upgrade

    _log_to_stderr()
    url = analytics_url(database_url)

    def show(report: IngestReport) -> None:
        typer.echo(f"Ingested {report.summary()}")

    if follow:
        from bot.settings import rollup_refresh_seconds

        try:
            refresh = refresh_every if refresh_every is not None else rollup_refresh_seconds()
        except ValueError as error:
            typer.echo(f"Ingestion failed: {error}", err=True)
            raise typer.Exit(code=2) from error
        typer.echo(f"Following the tracker store every {interval:g} s, refreshing the dashboard's "
                   f"rollups at most every {refresh:g} s (Ctrl-C stops)")
        try:
            follow_events(tracker_url, url, interval=interval, batch_size=batch_size, migrate=True,
                          refresh_every=refresh, progress=show)
        except KeyboardInterrupt:
            typer.echo("Stopped.")
        return
    try:
        upgrade(url)
        report = ingest_once(tracker_url, url, batch_size, progress=show)
    except (IngestError, SQLAlchemyError) as error:
        typer.echo(f"Ingestion failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    if not report.events:
        typer.echo(f"Nothing new (checkpoint at event {report.last_event_id}).")


@app.command("purge")
def purge(
    days: int = typer.Option(None, help="Keep this many days (env RETENTION_DAYS, default 90)"),
    tracker_url: str = typer.Option(None, help=TRACKER_URL_HELP),
    database_url: str = typer.Option(None, help=DATABASE_URL_HELP),
) -> None:
    """Delete ingested tracker events and message texts older than the retention period."""
    from bot.analytics import IngestError
    from bot.analytics import purge as purge_old

    _log_to_stderr()
    try:
        report = purge_old(tracker_url, database_url, days=days,
                           progress=lambda n: typer.echo(f"  {n} tracker events deleted so far"))
    except (IngestError, ValueError) as error:
        typer.echo(f"Purge failed: {error}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"Before {report.cutoff:%Y-%m-%d %H:%M} UTC: deleted {report.events_deleted} ingested "
               f"tracker events, cleared {report.texts_cleared} message texts; deleted "
               f"{report.checks_forgotten} stored check results of conversations that have gone.")


@app.command("reminders")
def send_reminders(
    once: bool = typer.Option(False, help="Send what is due now and stop, instead of checking hourly"),
) -> None:
    """Email the plan reminders owners asked for (needs SMTP_URL and PLAN_EMAIL_KEY)."""
    from bot.guidance.knowledge import default_knowledge_base
    from bot.plans import reminders
    from bot.storage.database import create_engine, tracker_engine

    _log_to_stderr()
    config = reminders.configured()
    if config is None:
        typer.echo("Plan reminders are off: set SMTP_URL and PLAN_EMAIL_KEY to send them.")
        return
    analytics, tracker, kb = create_engine(), tracker_engine(), default_knowledge_base()
    if once:
        typer.echo(f"Sent {reminders.send_due(analytics, tracker, kb, config)} reminders.")
        return
    reminders.follow(analytics, tracker, kb, config)


app.command("report")(commands.report)
app.command("export")(commands.export)
app.command("demo-data")(commands.demo_data)
app.command("monthly-report")(commands.monthly_report)
app.add_typer(staff_commands.app, name="staff")
app.command("run-scaled")(run_scaled)
app.command("nginx-config")(nginx_config)


if __name__ == "__main__":
    app()
