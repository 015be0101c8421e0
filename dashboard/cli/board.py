"""`board-dashboard board ...`: the board's membership from the command line, for setting a board up (naming each
agency's representatives and linking their sign-in, so a representative can record evidence against their own
agency's actions). The rules and the audit entries are in dashboard.services.board."""

from __future__ import annotations

import click

from dashboard.cli.common import CommandRefused, group, say, with_settings
from dashboard.rules.actions import SOURCE_KINDS
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
def add_representative(
    settings: Settings, board_code: str, agency: str, name: str, role_title: str, username: str | None
) -> None:
    """Name an agency's representative (adding the agency to the board if it is new)."""
    dataset.bootstrap(settings)
    result = cases.add_representative(local_operator(), board_code, agency, name, role_title, username)
    if not result.ok:
        raise CommandRefused(result.message)
    say(result.message)


@board.command("add-action")
@click.option("--board", "board_code", required=True, help="the board's code, e.g. havering")
@click.option("--reference", required=True, help="the board's reference for the action, e.g. S11-POL-1")
@click.option(
    "--source-kind",
    required=True,
    type=click.Choice(sorted(SOURCE_KINDS)),
    help="section11 (audit), review (serious case or learning review) or inspection",
)
@click.option("--source", required=True, help="which audit, review or inspection, e.g. 'Section 11 audit 2016'")
@click.option("--agency", required=True, help="the agency that owns the action")
@click.option("--text", required=True, help="the action")
@click.option("--due", default=None, help="the due date, YYYY-MM-DD")
@with_settings
def add_action(
    settings: Settings,
    board_code: str,
    reference: str,
    source_kind: str,
    source: str,
    agency: str,
    text: str,
    due: str | None,
) -> None:
    """Add an action to the board's tracker (from an action plan agreed at a meeting)."""
    dataset.bootstrap(settings)
    result = cases.add_action(local_operator(), board_code, reference, source_kind, source, agency, text, due)
    if not result.ok:
        raise CommandRefused(result.message)
    say(result.message)


COMMANDS = (board,)
