"""Importing the board dataset from CSV or XLSX: all or nothing, idempotent, streamed with bounded memory.

* ``reading``: the CSV and XLSX readers, row by row, and the CSV frame reader;
* ``checking``: every column rule and row rule, declared once, applied row by row or a column at a time;
* ``merging``: the staging table (COPY on PostgreSQL), the set-based merge, history and bulk loads;
* ``importing``: `import_file`, which runs the three in one transaction;
* ``report``: what an import tells its caller (ImportResult, or ImportRejected with every RowError).
"""

from data_access.imports.importing import AlsoInTransaction, import_file
from data_access.imports.reading import COLUMNS, REQUIRED, read_records
from data_access.imports.report import MAX_ERRORS, Errors, ImportRejected, ImportResult, RowError

__all__ = [
    "COLUMNS",
    "MAX_ERRORS",
    "REQUIRED",
    "AlsoInTransaction",
    "Errors",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_file",
    "read_records",
]
