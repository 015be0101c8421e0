"""`board-dashboard user ...` and `audit` commands."""


def add_commands(sub) -> None:
    return None
