"""Ledger imports (信息台账): all-or-nothing, every bad row reported, upsert on external_id."""

from services.imports.children import CHILD_COLUMNS, import_children
from services.imports.common import ImportFailed, RowProblem
from services.imports.reader import read_table
from services.imports.volunteers import VOLUNTEER_COLUMNS, import_volunteers

__all__ = ["CHILD_COLUMNS", "VOLUNTEER_COLUMNS", "ImportFailed", "RowProblem",
           "import_children", "import_volunteers", "read_table"]
