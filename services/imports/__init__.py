"""Ledger imports (信息台账): all-or-nothing, every bad row reported, re-imports update."""

from services.imports.children import CHILD_COLUMNS, import_children
from services.imports.common import ImportFailed, RowProblem
from services.imports.reader import MAX_ROWS, Ledger, read_ledger
from services.imports.volunteers import VOLUNTEER_COLUMNS, import_volunteers

__all__ = ["CHILD_COLUMNS", "MAX_ROWS", "VOLUNTEER_COLUMNS", "ImportFailed", "Ledger",
           "RowProblem", "import_children", "import_volunteers", "read_ledger"]
