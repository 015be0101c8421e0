"""The dataset importer's public names, where the rest of the code has always found them.

The importer itself is the `data_access.imports` package (reading, checking, merging).
"""

from data_access.imports import (
    COLUMNS,
    MAX_ERRORS,
    REQUIRED,
    AlsoInTransaction,
    Errors,
    ImportRejected,
    ImportResult,
    RowError,
    import_file,
    read_records,
)

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
