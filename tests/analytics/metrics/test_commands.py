"""The report, export and demo-data commands, through a Typer app as bot/cli.py would build it."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
import typer
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.analytics.commands import demo_data, export, report
from bot.storage.models import Conversation, IngestState, Turn, Visitor
from tests.analytics.metrics import dataset as ds
from tests.analytics.metrics.conftest import NewDatabase
from tests.postgres import PostgresServer

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
RANGE = ["--from", ds.START.isoformat(), "--to", ds.END.isoformat()]


@pytest.fixture()
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report)
    app.command("export")(export)
    app.command("demo-data")(demo_data)
    return app


@pytest.fixture()
def url(engine: Engine, db_url: str) -> str:
    with engine.begin() as connection:
        ds.load(connection)
        # A text that escaped redaction (a hand-loaded row): export must still not leak it.
        connection.execute(Turn.__table__.update().where(Turn.event_id == 3)
                           .values(text="hi, I'm jane.doe@example.com, call me on 07700 900123"))
    return db_url


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_report_json(app: typer.Typer, url: str) -> None:
    code, output = run(app, "report", *RANGE, "--format", "json", "--database-url", url)
    assert code == 0, output
    data = json.loads(output)
    assert data["metrics"]["reach"]["total"]["unique_visitors"] == 6
    assert data["filters"] == {"start": "2025-03-03", "end": "2025-03-16", "size": None, "sector": None,
                               "nation": None}


def test_report_csv_parses(app: typer.Typer, url: str) -> None:
    code, output = run(app, "report", *RANGE, "--format", "csv", "--size", "micro", "--database-url", url)
    assert code == 0, output
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0] == ["metric", "breakdown", "group", "measure", "value"]
    assert all(len(row) == 5 for row in rows)
    values = {(r[0], r[1], r[2], r[3]): r[4] for r in rows[1:]}
    assert values[("reach", "total", "all", "conversations")] == "1"
    assert values[("top_questions", "total", "all", "top.1.text")] == "how do i back up"
    assert values[("commitment_rate", "by_size", "micro", "rate")] == "1.0"


def test_report_table(app: typer.Typer, url: str) -> None:
    code, output = run(app, "report", *RANGE, "--database-url", url)
    assert code == 0, output
    assert "Uptake report 2025-03-03 to 2025-03-16" in output
    assert "Reach" in output and "size=micro" in output and "week=2025-03-10" in output
    assert "Newest unanswered questions" in output


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2025-13-01"], "is not a date; use YYYY-MM-DD"),
    (["--to", "yesterday"], "is not a date; use YYYY-MM-DD"),
    (["--from", "2025-03-10", "--to", "2025-03-01"], "is before --from"),
    (["--size", "huge"], "allowed: sole_trader, micro, small, medium, unknown"),
    (["--sector", "farming"], "allowed: retail, hospitality"),
    (["--nation", "france"], "allowed: england, scotland, wales, northern_ireland, unknown"),
    (["--format", "xml"], "allowed: table, csv, json"),
])
def test_bad_input_is_a_clear_usage_error(app: typer.Typer, url: str, args: list[str], message: str) -> None:
    code, output = run(app, "report", *args, "--database-url", url)
    assert code == 2
    assert message in " ".join(output.split())


def test_missing_database(app: typer.Typer, tmp_path: Path, database_kind: str,
                          request: pytest.FixtureRequest) -> None:
    if database_kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'nothing.db'}"
    else:  # a database the server does not have
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.url(server.fresh_name())
    for command in ("report", "export"):
        code, output = run(app, command, "--database-url", url)
        assert code == 1, output
        assert "No analytics database" in output
    assert not (tmp_path / "nothing.db").exists()


def test_export_has_no_keys_and_no_raw_emails(app: typer.Typer, url: str, engine: Engine) -> None:
    code, output = run(app, "export", *RANGE, "--database-url", url)
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert len(rows) == 21
    with engine.connect() as connection:
        keys = [k for (k,) in connection.execute(sa.select(Visitor.visitor_key))]
        keys += [k for (k,) in connection.execute(sa.select(Conversation.conversation_key))]
    for key in keys:
        assert key[:8] not in output  # not in full, nor any recognisable prefix
    assert not EMAIL.search(output)
    assert "[EMAIL]" in output and "[PHONE]" in output
    assert {row["conversation"] for row in rows} == {str(n) for n in range(1, 8)}
    assert rows[0]["conversation"] == "1" and rows[0]["text"].startswith("hi, I'm [EMAIL]")
    assert "visitor_key" not in rows[0] and "conversation_key" not in rows[0]


def test_export_to_a_file_with_filters(app: typer.Typer, url: str, tmp_path: Path) -> None:
    target = tmp_path / "turns.csv"
    code, output = run(app, "export", *RANGE, "--size", "unknown", "--output", str(target),
                       "--database-url", url)
    assert code == 0, output
    # The file is for people: it opens with a byte-order mark, which utf-8-sig reads as Excel does.
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig", newline="")))
    # Turn snapshots: E's two turns, I's one and C's first two (sent before the size answer).
    assert len(rows) == 5
    assert {row["size"] for row in rows} == {"unknown"}


def test_demo_data_command(app: typer.Typer, tmp_path: Path, database_kind: str,
                           new_database: NewDatabase) -> None:
    # SQLite: a file not there yet, in a folder not there yet; PostgreSQL: a migrated schema.
    url = f"sqlite:///{tmp_path / 'demo' / 'analytics.db'}" if database_kind == "sqlite" else new_database()
    code, output = run(app, "demo-data", "--turns", "400", "--weeks", "2", "--seed", "3", "--no-progress",
                       "--database-url", url)
    assert code == 0, output
    assert "Wrote 4" in output
    code, output = run(app, "report", "--format", "json", "--database-url", url)
    assert code == 0, output
    assert json.loads(output)["metrics"]["unanswered"]["total"]["turns"] > 0


def test_demo_data_refuses_a_database_with_ingested_data(app: typer.Typer, url: str, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(IngestState.__table__.insert().values(source="rasa-tracker", last_event_id=9,
                                                                 skipped=0))
    code, output = run(app, "demo-data", "--turns", "100", "--no-progress", "--database-url", url)
    assert code == 1
    assert "holds ingested conversations" in output
