"""What an import tells its caller: the counts of a good file, or every error of a bad one."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    """One mistake in a file: where it is, in which column, and what is wrong."""

    where: str  # "row 7" or "sheet 'Front door', row 7"
    column: str
    message: str

    def __str__(self) -> str:
        col = f", column '{self.column}'" if self.column else ""
        return f"{self.where}{col}: {self.message}"


class ImportRejected(Exception):
    """The file was not imported; `errors` says where and why. Nothing was changed."""

    def __init__(self, errors: list[RowError], more: int = 0):
        self.errors = errors
        self.more = more
        lines = [str(e) for e in errors]
        if more:
            lines.append(f"... and {more} more errors")
        super().__init__("the file was not imported; nothing was changed:\n" + "\n".join(lines))


@dataclass
class ImportResult:
    """What an import did: rows read, and how many figures were added, changed or already as given."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    skipped_blank: int = 0


@dataclass
class Errors:
    """Collects every row error of a file (up to MAX_ERRORS) so the user can fix them all at once."""

    items: list[RowError] = field(default_factory=list)
    more: int = 0

    def add(self, where: str, column: str, message: str) -> None:
        """Note one error (counted only, past MAX_ERRORS)."""
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(where, column, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Refuse the file if any error was noted."""
        if self.items:
            raise ImportRejected(self.items, self.more)
