"""Every model module, imported once so the metadata (and Alembic) sees every table."""

from data_access import auth_models, board_models, models, returns_models, review_models  # noqa: F401
from data_access.models import Base  # noqa: F401
