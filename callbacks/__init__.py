"""Thin callbacks: unpack inputs, call one use case (dashboard/services/), hand its result to a layout builder."""

from __future__ import annotations

import dash


def register_callbacks(app: dash.Dash) -> None:
    """Register every callback on this app (explicitly, so each app built by the factory gets them)."""
    from callbacks import board, challenges, domain, exceptions, filters, indicator, overview, review, shell

    for module in (shell, filters, overview, domain, indicator, exceptions, review, challenges, board):
        module.register(app)
