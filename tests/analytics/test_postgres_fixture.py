"""CI must not pass by skipping: without PostgreSQL the postgres tests fail, loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT


def test_missing_postgresql_binaries_fail_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "PG_BIN": str(tmp_path / "no-postgres-here")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "postgres",
         "tests/analytics/test_database.py::test_migrated_schema_matches_the_models"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode != 0
    assert "PostgreSQL 15 server binaries not found" in result.stdout
    assert "skipped" not in result.stdout.splitlines()[-1]
