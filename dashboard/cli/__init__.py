"""The `board-dashboard` command line, one module per job:

    main.py     the group, and the one place a refusal becomes a message and an exit status
    common.py   what the commands share: CommandRefused, progress bars, settings, help in the house style
    app.py      serve, init-db
    data.py     import, export, check, indicators, template, pack
    users.py    user add | list | set-role | set-password | disable | enable, audit
    returns.py  ingest-903, ingest-annex-a, synthetic-returns

Commands parse their arguments, call the use cases in dashboard/services/ (or the importer and readers), and print
the outcome; no command module imports another's commands.
"""
