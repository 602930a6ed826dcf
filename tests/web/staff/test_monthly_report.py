"""``bot staff monthly-report``: the month's report as one HTML file, from a real database."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from bot.analytics import demo_data
from bot.storage.database import create_engine, upgrade
from bot.web.staff.commands import app

END = date(2026, 3, 29)


def test_the_report_file_holds_the_month_against_the_month_before(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    engine = create_engine(url)
    upgrade(engine)
    demo_data.generate(engine, turns=2000, seed=3, weeks=9, end=END, progress=False)
    with engine.connect() as conn:
        def reach(first: str, last: str) -> int:
            return int(conn.exec_driver_sql(
                "SELECT count(DISTINCT visitor_key) FROM conversations WHERE started_at >= ? "
                "AND started_at < ?", (first, last)).scalar() or 0)
        march, february = reach("2026-03-01", "2026-04-01"), reach("2026-02-01", "2026-03-01")
    engine.dispose()
    target = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["monthly-report", "--month", "2026-03", "--output", str(target),
                                      "--database-url", url])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "Monthly report: March 2026" in page and "<style>" in page
    row = re.search(r'<tr data-figure="reach">(.*?)</tr>', page, re.DOTALL)
    assert row is not None
    found = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]
    assert cells[0] == f"{march:,}" and cells[1] == f"{february:,}" and march > 0
    bad = CliRunner().invoke(app, ["monthly-report", "--month", "March", "--output", str(target),
                                   "--database-url", url])
    assert bad.exit_code != 0 and "not a month" in bad.output
