"""Ledger imports (信息台账): all-or-nothing, every bad row reported, upsert on external_id."""

from services.importers.children import CHILD_COLUMNS, import_children
from services.importers.common import ImportFailed, RowProblem
from services.importers.reader import read_table
from services.importers.volunteers import VOLUNTEER_COLUMNS, import_volunteers

__all__ = ["CHILD_COLUMNS", "VOLUNTEER_COLUMNS", "ImportFailed", "RowProblem",
           "import_children", "import_volunteers", "read_table"]
