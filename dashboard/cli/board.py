"""`board-dashboard board ...`: the board's membership from the command line, for setting a board up (naming each
agency's representatives and linking their sign-in, so a representative can record evidence against their own
agency's actions). The rules and the audit entries are in dashboard.services.board."""

from __future__ import annotations

import click

from dashboard.cli.common import CommandRefused, group, with_settings
from dashboard.services import board as cases
from dashboard.services import dataset
from dashboard.services.users import local_operator
from dashboard.settings import Settings


@group("board", short_help="the board's member agencies and representatives")
def board() -> None:
    """The board's member agencies and their representatives."""


@board.command("add-representative")
@click.option("--board", "board_code", required=True, help="the board's code, e.g. havering")
@click.option("--agency", required=True, help="the member agency, e.g. 'Metropolitan Police'")
@click.option("--name", required=True, help="the representative's name")
@click.option("--role-title", default="", help="their role, e.g. 'Detective Inspector, CAIT'")
@click.option("--user", "username", default=None, help="their sign-in name, if they use the dashboard")
@with_settings
def add_representative(settings: Settings, board_code: str, agency: str, name: str, role_title: str,
                       username: str | None) -> None:
    """Name an agency's representative (adding the agency to the board if it is new)."""
    dataset.bootstrap(settings)
    result = cases.add_representative(local_operator(), board_code, agency, name, role_title, username)
    if not result.ok:
        raise CommandRefused(result.message)
    click.echo(result.message)


COMMANDS = (board,)

