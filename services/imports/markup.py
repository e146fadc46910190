"""The clerk's own workbook back, with its problems marked: every row where Excel had it,
bad cells filled red, and a 问题说明 column saying what is wrong and what to write.

The clerk corrects the cells there, deletes nothing else, and uploads the file again
(the 问题说明 column is ignored on import, being no field). The uploaded file of a
refused import is kept for this download for :data:`KEEP_REFUSED` only.
"""

import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta

from services.imports import headers
from services.imports.reader import sheet_rows
from services.shared.spreadsheet import escape_cell

#: How long a refused import's file is kept for its marked-up download.
KEEP_REFUSED = timedelta(days=1)
NOTE_HEADER = headers.NOTE_COLUMN
_BAD_FILL = "FFC7CE"
_NOTE_COLOUR = "9C0006"


def marked_workbook(data: bytes, kind: str, problems: list[dict],
                    describe: Callable[[dict], str]) -> bytes:
    """``data`` (the uploaded ledger) as .xlsx with ``problems`` marked.

    ``describe(problem)`` is the problem in the reader's language.
    """
    # openpyxl is imported where used: loading it takes a tenth of a second, which
    # every command and worker would pay otherwise.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    bad_fill, note_font = PatternFill("solid", fgColor=_BAD_FILL), Font(color=_NOTE_COLOUR)

    def note(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = note_font
        return cell

    by_row: dict[int, list[dict]] = {}
    for problem in problems:
        by_row.setdefault(problem["row"], []).append(problem)
    rows, _ = sheet_rows(data)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    header_row, width = None, 0
    for number, cells in rows:
        cells = list(cells)
        if header_row is None and headers.looks_like_header(kind, cells):
            header_row = number
            width = max(len(cells), 1)
            while width > 1 and cells[width - 1] in (None, ""):
                width -= 1
        bad = {p.get("cell") for p in by_row.get(number, ())}
        out = []
        for index, value in enumerate(cells[:max(width, len(cells))]):
            cell = WriteOnlyCell(sheet, value=_safe(value))
            if headers.column_letter(index) in bad:
                cell.fill = bad_fill
            out.append(cell)
        if number == header_row:
            out += [None] * (width - len(out)) + [note(NOTE_HEADER)]
        elif number in by_row:
            out += [None] * (width - len(out)) + [
                note("；".join(describe(p) for p in by_row[number]))]
        sheet.append(out)
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        return handle.read()


def _safe(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (date, int, float)) or value is None:
        return value
    return escape_cell(str(value))

