"""Errors of the official reader: each names the file, the 1-based line and the column at fault."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS = 50  # a broken file can fail on every row; the first few say what is wrong


@dataclass(frozen=True)
class Problem:
    """One fault: `file` (the file's name), `line` (1-based; 1 is the header), `column` (a header name, or "")."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        col = f", column {self.column!r}" if self.column else ""
        return f"{self.file}, line {self.line}{col}: {self.message}"


class OfficialReadError(ValueError):
    """The files cannot be read as they are: nothing is returned. `problems` lists every fault found (up to 50)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        more = "" if len(self.problems) == 1 else f" (and {len(self.problems) - 1} more problems)"
        super().__init__(f"{self.problems[0]}{more}" if self.problems else "the official files cannot be read")

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int:
        return self.problems[0].line

    @property
    def column(self) -> str:
        return self.problems[0].column
