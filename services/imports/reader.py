"""Read a county's ledger: .xlsx (Excel, WPS), .xls, .ods or CSV (UTF-8 or GBK).

The type is judged by content, not name; a Word file, a PDF or a picture is told to be
saved as .xlsx first. Workbooks are read with calamine (openpyxl's streaming mode if
calamine cannot read one); rows are handed out one at a time, as Excel numbers them, from
the row under the header (found beneath title rows) to the first totals or signature
row. A ledger may hold at most ``max_rows`` rows.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from python_calamine import CalamineWorkbook

from services.imports import headers
from services.imports.common import ImportFailed
from services.shared.taxonomy import N_

#: A workbook is a zip; refuse one that would unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Rows one ledger may hold (the ``IMPORT_MAX_ROWS`` setting overrides it).
MAX_ROWS = 200_000
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PICTURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
SAVE_AS = {
    "word": N_("This is a Word file; save it as .xlsx in Excel or WPS, then upload that."),
    "pdf": N_("This is a PDF file; it cannot be imported. Upload the ledger's Excel file "
              "(.xlsx), or save it as .xlsx in Excel or WPS."),
    "picture": N_("This is a picture; it cannot be imported. Upload the ledger's Excel file "
                  "(.xlsx)."),
    "powerpoint": N_("This is a PowerPoint file; copy the table into Excel or WPS, save it "
                     "as .xlsx, then upload that."),
    "zip": N_("This is a zip archive, not a spreadsheet; unpack it and upload the ledger's "
              ".xlsx file."),
    "unknown": N_("This file is not a spreadsheet we can read; save it as .xlsx in Excel or "
                  "WPS, then upload that."),
}


@dataclass
class Ledger:
    """A ledger's columns and its rows, read as they are needed."""

    kind: str
    #: column index → field
    columns: dict[int, str]
    #: headers that name no field, as written (ignored)
    extra: list[str]
    header_row: int
    #: rows below the header (an estimate for progress: footers are counted)
    total: int
    rows: Iterator[tuple[int, dict]] = field(repr=False)
    #: field → header as written
    written: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return list(self.columns.values())

    def letter(self, name: str) -> str:
        for index, known in self.columns.items():
            if known == name:
                return headers.column_letter(index)
        return ""


def read_ledger(data: bytes, kind: str, *, max_rows: int = MAX_ROWS,
                mapping: dict[str, str] | None = None) -> Ledger:
    """The ledger in ``data``; ImportFailed if it cannot be read or misses columns.

    ``mapping`` (field → header as written) names columns the headers do not.
    """
    cells, height = sheet_rows(data)
    number, row, columns, extra = _find_header(kind, cells, mapping)
    missing = headers.missing_fields(kind, columns.values())
    if missing:
        raise ImportFailed(N_("Columns %(columns)s were not found in row %(row)s. Name them "
                              "in the header row, or choose which column holds each."),
                           columns="、".join(headers.LABELS[f] for f in missing), row=number,
                           missing=missing, choices=_choices(row, cells))
    written = {name: str(row[index]).strip() for index, name in columns.items()}
    return Ledger(kind, columns, extra, number, max(height - number, 0),
                  _body(cells, columns, max_rows), written)


def _find_header(kind: str, cells, mapping):
    """The header row among the first rows: the first naming three known fields."""
    for number, row in cells:
        if number > headers.HEADER_SEARCH_ROWS:
            break
        columns, extra = headers.map_header(kind, row)
        if mapping:
            columns, extra = _apply_mapping(columns, extra, row, mapping)
        if len(columns) >= 3:
            return number, row, columns, extra
    raise ImportFailed(N_("No header row was found: the first rows must name the columns, "
                          "such as %(expected)s."),
                       expected="、".join(headers.LABELS[f] for f in headers.REQUIRED[kind]))


def _choices(row: list, cells, previews: int = 3) -> list[dict]:
    """The header row's columns with their first values, to choose a missing field's
    column from."""
    samples = []
    for _, values in cells:
        if len(samples) >= previews or headers.is_footer(values):
            break
        if any(str(v or "").strip() for v in values):
            samples.append(values)
    choices = []
    for index, cell in enumerate(row[:60]):
        header = str(cell or "").strip()
        if header:
            choices.append({"header": header[:128], "letter": headers.column_letter(index),
                            "preview": [str(_value(r[index]))[:40] if index < len(r) else ""
                                        for r in samples]})
    return choices


def _apply_mapping(columns, extra, row, mapping):
    by_header = {str(c or "").strip(): i for i, c in enumerate(row)}
    columns = dict(columns)
    for name, header in mapping.items():
        index = by_header.get(header)
        if index is not None and name not in columns.values():
            columns[index] = name
    return columns, [e for e in extra if e not in mapping.values()]


def _body(cells, columns: dict[int, str], max_rows: int) -> Iterator[tuple[int, dict]]:
    """Data rows: blank rows left out, nothing read after the first totals or signature
    row."""
    count = 0
    for number, row in cells:
        if headers.is_footer(row):
            return
        values = {name: _value(row[index]) if index < len(row) else ""
                  for index, name in columns.items()}
        if not any(v not in ("", None) for v in values.values()):
            continue
        count += 1
        if count > max_rows:
            raise ImportFailed(N_("The ledger has more than %(n)s rows. Split it into files "
                                  "of at most %(n)s rows and import each."), n=max_rows)
        yield number, values


def _value(value):
    """Text for every cell, except dates, which stay dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def sheet_rows(data: bytes) -> tuple[Iterator[tuple[int, list]], int]:
    """The first sheet's rows as (Excel row number, cells), and the number of rows."""
    if data.startswith(_ZIP):
        _check_zip(data)
        return _workbook_rows(data)
    if data.startswith(_OLE):
        if "WordDocument".encode("utf-16-le") in data:
            _refuse("word")
        if "PowerPoint".encode("utf-16-le") in data:
            _refuse("powerpoint")
        return _workbook_rows(data)
    if data.startswith(b"%PDF"):
        _refuse("pdf")
    if data.startswith(_PICTURES) or data[4:12] in (b"ftypheic", b"ftypheix") or \
            (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        _refuse("picture")
    if data.startswith((b"{\\rtf", b"\x00\x00")):
        _refuse("word" if data.startswith(b"{\\rtf") else "unknown")
    return _csv_rows(data)


def _refuse(kind: str):
    """Refuse a file that is not a spreadsheet, saying how to make it one."""
    raise ImportFailed(SAVE_AS[kind])


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ImportFailed(N_("The workbook is too large once unpacked; split the "
                                      "ledger into smaller files."))
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except zipfile.BadZipFile as exc:
        raise ImportFailed(N_("The workbook could not be read; open it in Excel or WPS, "
                              "save it again as .xlsx and upload that.")) from exc
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        _refuse("word")
    if any(n.startswith("ppt/") for n in names) or b"opendocument.presentation" in mimetype:
        _refuse("powerpoint")
    if "xl/workbook.xml" not in names and b"opendocument.spreadsheet" not in mimetype:
        _refuse("zip")


def _workbook_rows(data: bytes):
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
        sheet = book.get_sheet_by_name(visible[0]) if visible else book.get_sheet_by_index(0)
    except Exception:  # calamine cannot read it: try openpyxl, which streams
        if data.startswith(_ZIP):
            return _openpyxl_rows(data)
        raise ImportFailed(N_("The workbook could not be read; open it in Excel or WPS, "
                              "save it again as .xlsx and upload that.")) from None
    first = (sheet.start or (0, 0))[0] + 1
    width_before = (sheet.start or (0, 0))[1]

    def rows():
        for offset, row in enumerate(sheet.iter_rows()):
            yield first + offset, [None] * width_before + list(row)

    return rows(), first + sheet.height - 1


def _openpyxl_rows(data: bytes):
    # openpyxl is imported where used: loading it takes a tenth of a second, which
    # every command and worker would pay otherwise.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        height = sheet.max_row or 0
    except Exception as exc:
        raise ImportFailed(N_("The workbook could not be read; open it in Excel or WPS, "
                              "save it again as .xlsx and upload that.")) from exc

    def rows():
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
        book.close()

    return rows(), height


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        _refuse("unknown")
    if "\x00" in text:
        _refuse("unknown")
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ImportFailed(N_("Row %(row)s of the CSV file cannot be read (a cell is too "
                                  "long or a quote is not closed); correct it and upload "
                                  "again."), row=reader.line_num) from exc

    return rows(), text.rstrip("\r\n").count("\n") + 1
