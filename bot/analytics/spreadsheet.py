"""Cells that are safe to open in a spreadsheet, and the two file formats people open.

Visitor text goes into exports as typed (redacted). A cell that begins with ``=``,
``+``, ``-`` or ``@`` is a live formula in Excel and LibreOffice (``=HYPERLINK(...)``
sends the sheet's data to another site when clicked), and one that begins with a tab
or a carriage return can hide such a formula behind white space. OWASP's rule is to
put a single quote before any such cell, which every spreadsheet shows as text:
:func:`safe_cell` does that, and every export (the CLI's ``bot export`` and
``bot report --format csv``, and every dashboard download, in CSV and ``.xlsx``) writes
its cells through it. Numbers are left as numbers: a count or a change of ``-3`` is a
value, not a formula.

CSV files for people start with a UTF-8 byte-order mark, without which Excel reads the
file as Windows-1252 and shows "£" as "Â£". The ``.xlsx`` download is written by
XlsxWriter with every text cell written as a string (never parsed as a formula),
after the same neutralising, in constant-memory mode so a million-row sheet streams.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any, TextIO

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Written first in CSVs for people, so Excel reads them as UTF-8.
BOM = "\ufeff"
#: Rows an .xlsx sheet can hold, the header included.
XLSX_MAX_ROWS = 1_048_576


def safe_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeWriter:
    """``csv.writer`` whose every row passes through :func:`safe_cell`."""

    def __init__(self, out: TextIO, bom: bool = False) -> None:
        if bom:
            out.write(BOM)
        # CRLF (RFC 4180): a carriage return inside a text is then quoted, not read as a row break.
        self._writer = csv.writer(out, lineterminator="\r\n")

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(values))


class XlsxSheet:
    """One worksheet written row by row to a binary file, cells typed and neutralised."""

    def __init__(self, out: IO[bytes], title: str) -> None:
        import xlsxwriter

        self._book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False,
                                               "strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
        # A sheet name is at most 31 characters and excludes []:*?/\
        name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet1"
        self._sheet = self._book.add_worksheet(name)
        self._row = 0

    def writerow(self, values: Sequence[Any]) -> None:
        if self._row >= XLSX_MAX_ROWS:
            raise OverflowError(f"an .xlsx sheet holds at most {XLSX_MAX_ROWS:,} rows")
        for column, value in enumerate(values):
            if isinstance(value, bool):
                self._sheet.write_number(self._row, column, int(value))
            elif isinstance(value, (int, float)):
                self._sheet.write_number(self._row, column, value)
            elif value is None or value == "":
                continue
            else:
                self._sheet.write_string(self._row, column, str(safe_cell(str(value))))
        self._row += 1

    def close(self) -> None:
        self._book.close()
