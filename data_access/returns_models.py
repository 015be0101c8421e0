"""Models: see the module that uses them."""

from data_access.models import Base  # noqa: F401
