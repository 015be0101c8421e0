"""The `board-dashboard` command line (also `python -m dashboard`): the group, and the one place a command's
refusal becomes a message on standard error and an exit status.

Exit status: 0 done; 1 refused (bad input, rejected file: nothing was changed); 2 the command line was wrong, or
the database cannot be used (unreachable, never set up), or serving would be unsafe.
"""

from __future__ import annotations

import sys

import click

from dashboard.cli import app, board, data, official, returns, users
from dashboard.cli.common import PROG, CommandRefused, group, say


@group(
    PROG,
    help="Performance dashboard for a local safeguarding children board. Configuration comes from the "
    "environment: DATABASE_URL (default: SQLite in ./instance), REDIS_URL, INSTANCE_PATH (README.md "
    "lists every variable).",
)
def cli() -> None:
    """The board-dashboard commands."""


for _module in (app, data, official, users, returns, board):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: the process's arguments); the exit status."""
    try:
        result = cli.main(args=argv, prog_name=PROG, standalone_mode=False)
    except CommandRefused as e:
        return _refuse(e)
    except click.UsageError as e:
        _usage_error(e)
        return e.exit_code
    except click.ClickException as e:
        say(f"{PROG}: {e.format_message()}", err=True)
        return e.exit_code
    except click.Abort:  # Ctrl+C, or end of input at a prompt
        say(f"{PROG}: stopped; nothing more was done", err=True)
        return 130
    except Exception as e:
        refusal = _as_refusal(e)
        if refusal is None:
            raise
        return _refuse(refusal)
    return result if isinstance(result, int) else 0


def _refuse(e: CommandRefused) -> int:
    """The one place a refusal is told: `board-dashboard: <message>` and its details on standard error."""
    say(f"{PROG}: {e.message}", err=True)
    for line in e.details:
        say(line, err=True)
    return e.exit_code


def _as_refusal(e: Exception) -> CommandRefused | None:
    """A failure any command can meet, as the refusal that explains it; None for any other error."""
    from sqlalchemy.exc import DBAPIError

    from data_access.db import DatabaseUnavailable

    if isinstance(e, DatabaseUnavailable):
        return CommandRefused(str(e), exit_code=2)
    if isinstance(e, DBAPIError) and _schema_missing():
        return CommandRefused(
            "the database has no tables yet; run `board-dashboard init-db` first (it creates "
            "them and loads the bundled dataset)",
            exit_code=2,
        )
    return None


def _usage_error(e: click.UsageError) -> None:
    """The usage line and what was wrong (argparse's layout, which scripts and people already know); a group run
    with no command shows its help."""
    if isinstance(e, click.exceptions.NoArgsIsHelpError):
        print(e.format_message(), file=sys.stderr)  # the group's help: the program's own text, several lines
        return
    if e.ctx is not None:
        print(e.ctx.get_usage(), file=sys.stderr)  # the program's own text, perhaps several lines
    say(f"{e.ctx.command_path if e.ctx else PROG}: error: {e.format_message()}", err=True)


def _schema_missing() -> bool:
    """True when the configured database has never been set up (no migration applied)."""
    from data_access import migrate

    try:
        return migrate.current_revision() is None
    except Exception:  # noqa: BLE001 - asked only to explain another failure; that one is re-raised
        return False


if __name__ == "__main__":
    sys.exit(main())
