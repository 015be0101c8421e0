"""Entry point: `python app.py` serves on http://127.0.0.1:8050; `gunicorn app:server` for production."""

from dashboard.web.app import create_app_or_exit

app = create_app_or_exit()
server = app.server

if __name__ == "__main__":
    from dashboard.cli.app import serve_app

    serve_app(app)
