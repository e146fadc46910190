"""Read a CSV or XLSX ledger into rows of text, judging the type by content, not name."""

import csv
import io
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from services.imports.common import ImportFailed

#: An XLSX is a zip; refuse one that would unpack to more than this (zip bombs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"


def read_table(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Return (header, rows); each row maps column → stripped text. Row 2 is the first row."""
    if data.startswith(_ZIP_MAGIC):
        header, rows = _read_xlsx(data)
    else:
        header, rows = _read_csv(data)
    header = [h.strip().lower() for h in header]
    if not header or not any(header):
        raise ImportFailed("The file is empty.")
    table = []
    for values in rows:
        cells = [_text(v) for v in values]
        if not any(cells):
            continue  # blank lines are not rows
        cells += [""] * (len(header) - len(cells))
        table.append(dict(zip(header, cells, strict=False)))
    return header, table


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed("The file is neither a CSV in UTF-8 or GBK nor an XLSX workbook.")
    if "\x00" in text:
        raise ImportFailed("The file is neither a CSV in UTF-8 or GBK nor an XLSX workbook.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        return header, list(reader)
    except csv.Error as exc:  # e.g. a cell over the csv module's 131,072-character limit
        raise ImportFailed("A cell of the CSV file is too long, or a quote is not closed; "
                           "check the file in Excel or WPS, save it again and retry.") from exc


def _read_xlsx(data: bytes):

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ImportFailed("The workbook is too large once unpacked.")
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportFailed("The file is a zip archive, not an XLSX workbook.")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFailed:
        raise
    except Exception as exc:
        raise ImportFailed("The XLSX workbook could not be read; save it again and retry.") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    body = [list(r) for r in rows]
    workbook.close()
    return header, body
