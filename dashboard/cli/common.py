"""What every command shares: the refusal error, progress bars, settings, and help in the house style.

No command lives here, and no command module imports another's commands: each registers its own with the group in
dashboard/cli/main.py.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dashboard.rules.text import terminal_text
from dashboard.settings import Settings

PROG = "board-dashboard"
F = TypeVar("F", bound=Callable[..., Any])


def say(text: object = "", *, err: bool = False) -> None:
    """Print one line of a command's output (on standard error with `err`). Every command prints through here:
    the line often holds stored text (names, questions, draft keys, cells of an imported file), and a control
    character in it would be obeyed by the terminal (clear the screen, forge a line), so each is shown escaped."""
    print(terminal_text(text), file=sys.stderr if err else sys.stdout, flush=True)


class CommandRefused(Exception):
    """A command will not (or could not) do what it was asked. `main` prints `board-dashboard: <message>` and any
    `details` (one per line) on standard error and exits with `exit_code`; nothing else prints refusals."""

    def __init__(self, message: str, exit_code: int = 1, details: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.details = tuple(details)


def rejected(e: Any, what: str, advice: str) -> CommandRefused:
    """The refusal for a rejected import or ingest (data_access.importer.ImportRejected): that nothing was changed,
    every error found, and what to do next."""
    details = [f"  {err}" for err in e.errors]
    if e.more:
        details.append(f"  ... and {e.more} more errors")
    details.append(f"{advice} (use --dry-run to check without writing).")
    return CommandRefused(f"{what}; nothing was changed.", 1, details)


def with_settings(command: F) -> F:
    """Hand the command the settings from the environment as its first argument. Read when the command runs, not
    when it is parsed, so `--help` works whatever the environment says."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        return command(Settings.from_env(), *args, **kwargs)

    return run  # type: ignore[return-value]


# --- progress -----------------------------------------------------------------------------------------------------


class Bar:
    """A progress bar's handle: `advance` by some units, `describe` the current step. Does nothing when quiet."""

    def __init__(self, progress: Progress | None = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task

    def advance(self, n: float = 1) -> None:
        """Count `n` more units (bytes, steps) done."""
        if self._progress is not None:
            self._progress.update(self._task, advance=n)

    def show(self, done: float, total: float, step: str) -> None:
        """Show `done` of `total` with the current step (for work that knows its total only as it goes)."""
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total, description=step[:60])

    def set_total(self, total: float) -> None:
        """Say how many units there are, once that is known (a bar that started as a count of nothing yet)."""
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def describe(self, text: str) -> None:
        """Show what is being done now."""
        if self._progress is not None:
            self._progress.update(self._task, description=bar_text(text[:60]))


@contextmanager
def progress_bar(
    description: str, *, total: float | None = None, quiet: bool = False, unit: str = "steps"
) -> Iterator[Bar]:
    """A progress bar on standard error (standard output stays for results a script can read), gone when the work
    ends. `total=None` shows a spinner and the time taken; `unit="bytes"` shows sizes. `quiet` shows nothing."""
    if quiet:
        yield Bar()
        return
    if total is None:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    elif unit == "bytes":
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as p:
        yield Bar(p, p.add_task(bar_text(description), total=total))


def bar_text(text: str) -> str:
    """A progress bar's description (often a file or sheet name from a partner) shown as written: control
    characters escaped as `say` does, and square brackets kept from being read as rich's markup."""
    return rich_escape(terminal_text(text))


# --- help in the house style --------------------------------------------------------------------------------------


class _Formatter(click.HelpFormatter):
    """Help that starts `usage: board-dashboard ...`, as the command line's help always has."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="usage: " if prefix is None else prefix)


class _Context(click.Context):
    formatter_class = _Formatter


class BoardCommand(click.Command):
    """A command of board-dashboard."""

    context_class = _Context


class BoardGroup(click.Group):
    """A group of board-dashboard commands; its commands and subgroups are of the same kinds."""

    context_class = _Context
    command_class = BoardCommand
    group_class = type  # subgroups are BoardGroups too


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """`click.command` for a board-dashboard command (help in the house style, -h as well as --help)."""
    return click.command(name, cls=BoardCommand, context_settings=CONTEXT, **kwargs)


def group(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]:
    """`click.group` for a group of board-dashboard commands."""
    return click.group(name, cls=BoardGroup, context_settings=CONTEXT, **kwargs)


class Choice(click.Choice):
    """A choice whose refusal reads like the command line's always has: `invalid choice: 'x' (choose from ...)`."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        self.fail(f"invalid choice: {value!r} (choose from {', '.join(map(str, self.choices))})", param, ctx)
        return None  # not reached: fail raises


class Year(click.ParamType):
    """The year a return ends (31 March), 2000 to 2100."""

    name = "YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        if not text.isdigit() or not 2000 <= int(text) <= 2100:
            self.fail(f"'{text}' is not a year; give the year the return ends, e.g. 2024", param, ctx)
        return int(text)


class PositiveInt(click.ParamType):
    """A whole number of 1 or more."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            n = int(value)
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if n < 1:
            self.fail("must be 1 or more", param, ctx)
        return n
