"""Callbacks of the page shell."""

from __future__ import annotations

import dash


def register(app: dash.Dash) -> None:
    return None
