"""The partner template workbook (`board-dashboard template`)."""


def add_commands(sub) -> None:
    return None
