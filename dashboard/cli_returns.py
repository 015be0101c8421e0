"""`board-dashboard ingest-903` and `ingest-annex-a` commands."""


def add_commands(sub) -> None:
    return None
