"""`bot migrate`, `bot ingest` and `bot purge` from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.analytics.support import SECRET, Conversation, head_revision, table_rows


def test_migrate_ingest_and_purge(tmp_path: Path, tracker_url: str, monkeypatch: pytest.MonkeyPatch,
                                  conversation: Callable[..., Conversation]) -> None:
    analytics = f"sqlite:///{tmp_path / 'cli-analytics.db'}"
    monkeypatch.setenv("DATABASE_URL", analytics)
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("ANALYTICS_SECRET", SECRET)
    conversation("cli-visitor").session().user("hello", "greet").bot("hi").save()
    runner = CliRunner(mix_stderr=False)

    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert f"revision {head_revision()} (from an empty database)" in migrated.stdout
    assert "already up to date" in runner.invoke(app, ["migrate"]).stdout

    ingested = runner.invoke(app, ["ingest", "--batch-size", "2"])
    assert ingested.exit_code == 0, ingested.output
    assert ingested.stdout.count("Ingested") >= 3 and "1 turns" in ingested.stdout.splitlines()[-1]
    assert "Nothing new" in runner.invoke(app, ["ingest"]).stdout

    purged = runner.invoke(app, ["purge", "--days", "30"])
    assert purged.exit_code == 0, purged.output
    assert "cleared 1 message texts" in purged.stdout
    assert table_rows(analytics, "turns")[0]["text"] is None


def test_ingest_reports_an_unreachable_database(tmp_path: Path, tracker_url: str) -> None:
    result = CliRunner(mix_stderr=False).invoke(
        app, ["ingest", "--database-url", f"sqlite:///{tmp_path / 'missing' / 'a.db'}",
              "--tracker-url", tracker_url])
    assert result.exit_code == 1 and "Ingestion failed" in result.stderr


def test_ingest_follow_passes_its_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import bot.analytics

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(bot.analytics, "follow", lambda *args, **kwargs: calls.append(kwargs))
    runner = CliRunner(mix_stderr=False)
    result = runner.invoke(app, ["ingest", "--follow", "--interval", "0.5", "--batch-size", "50",
                                 "--database-url", f"sqlite:///{tmp_path / 'a.db'}"])
    assert result.exit_code == 0, result.output
    assert [(c["interval"], c["batch_size"], c["migrate"]) for c in calls] == [(0.5, 50, True)]
    assert calls[0]["refresh_every"] == 30  # the default

    database = ["--database-url", f"sqlite:///{tmp_path / 'a.db'}"]
    monkeypatch.setenv("ROLLUP_REFRESH_SECONDS", "45")
    assert runner.invoke(app, ["ingest", "--follow", *database]).exit_code == 0
    assert runner.invoke(app, ["ingest", "--follow", "--refresh-every", "5", *database]).exit_code == 0
    assert [c["refresh_every"] for c in calls[1:]] == [45, 5]

    monkeypatch.setenv("ROLLUP_REFRESH_SECONDS", "soon")
    result = runner.invoke(app, ["ingest", "--follow", *database])
    assert result.exit_code == 2 and "ROLLUP_REFRESH_SECONDS must be a whole number" in result.stderr
    assert len(calls) == 3
