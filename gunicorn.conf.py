"""gunicorn's settings for the dashboard. `gunicorn app:server` reads this file from the directory it is started in
(or name it with `-c gunicorn.conf.py`); command-line options still override anything set here."""


def on_starting(server) -> None:
    """Before any worker starts: stop at once, with one clear message, if the database is unreachable or not
    initialised; otherwise every worker would fail the same way and be restarted for ever."""
    from dashboard.web.preflight import check_database_or_exit

    check_database_or_exit()
