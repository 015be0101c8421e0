"""The roles each write needs: `require_role` fills this registry; the guard reads it before anything runs.

Wrap the function of each Dash callback or Flask route that writes with `require_role`, directly under the
registering decorator (or register the wrapped function with `app.callback(...)(func)`):

    @app.callback(Output(ids.COMMENT_SAVED, "children"), Input(ids.SAVE, "n_clicks"), State(ids.TEXT, "value"),
                  prevent_initial_call=True)
    @require_role("contributor")
    def save_commentary(n_clicks, text): ...

Two records meet here. `require_role` records the function and the roles it needs. The app's `callback` method is
watched (from `init_auth` on), so each callback registered on the app is recorded by its outputs, the ids the
browser names in the `output` field of every callback request. A request for a write callback is thus refused
(401 signed out, 403 without the role) before Dash runs anything, so an `on_error` handler cannot swallow the
refusal; the wrapper checks again when the function runs. Flask routes are found through the app's public
`view_functions`. Write callbacks are registered on the app (`app.callback`), as callbacks/ does.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, current_app, has_request_context, request

from dashboard.auth.roles import ROLE_INCLUDES, ROLES, has_role
from dashboard.auth.sessions import current_user

log = logging.getLogger(__name__)

Roles = tuple[str, ...]

# Every function wrapped by require_role (and its wrapper) -> the roles it needs.
_GUARDED: dict[Callable, Roles] = {}
# Output id of each write callback -> the roles it needs, as of the last write_callbacks(app).
WRITE_CALLBACKS: dict[str, Roles] = {}
# Rule of each write route -> the roles it needs, as of the last write_callbacks(app).
WRITE_ROUTES: dict[str, Roles] = {}
# Dash adds `@<hash of the inputs>` to an output that allows duplicates; the guard only needs to know it is one.
_DUPLICATE_SUFFIX = re.compile(r"@[0-9a-f]*$")


def require_role(*roles: str) -> Callable[[Callable], Callable]:
    """Refuse on the server (401 signed out, 403 without the role) unless the user holds one of `roles`.

    Use directly under `@app.callback(...)` or under a Flask route decorator (see the module docstring). In a unit
    test call the undecorated function as `func.__wrapped__(...)`."""
    unknown = [r for r in roles if r not in ROLE_INCLUDES]
    if not roles or unknown:
        raise ValueError(f"require_role needs one or more of {', '.join(ROLES)}; got {roles!r}")

    def decorate(func: Callable) -> Callable:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args, **kwargs):
                _check(roles, func)
                return await func(*args, **kwargs)

            wrapper = async_wrapper
        else:

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                _check(roles, func)
                return func(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        _GUARDED[func] = roles
        _GUARDED[wrapper] = roles
        return wrapper

    return decorate


def _check(roles: Roles, func: Callable) -> None:
    if not has_request_context():
        raise PermissionError(
            f"{func.__qualname__} writes and needs a signed-in {' or '.join(roles)}; "
            "outside a request (a unit test) call its __wrapped__ function instead"
        )
    user = current_user()
    if user is None:
        abort(401)
    if not has_role(user, *roles):
        log.warning(
            "refused %s to %s (%s): needs %s", func.__qualname__, user.name, user.role or "no role", " or ".join(roles)
        )
        abort(403)


def roles_of(fn: object) -> Roles | None:
    """The roles a function needs, following functools.wraps chains (so either decorator order is found)."""
    seen = 0
    while fn is not None and seen < 20:
        try:
            if fn in _GUARDED:
                return _GUARDED[fn]  # type: ignore[index]
        except TypeError:  # unhashable
            pass
        fn = getattr(fn, "__wrapped__", None)
        seen += 1
    return None


# --- callbacks, by the outputs the browser names -------------------------------------------------------------------


def _output_part(output: Any) -> str:
    # One output as Dash writes it in a request's `output` field: the id (dots escaped) and the property, marked
    # when it allows duplicates.
    part = f"{output.component_id_str().replace('.', chr(92) + '.')}.{output.component_property}"
    return part + "@" if getattr(output, "allow_duplicate", False) else part


def output_key(output: str) -> tuple[str, ...]:
    """The outputs a callback request names in its `output` field (`id.prop`, or `..a.prop...b.prop..` for several),
    one per item, each ending in `@` when it allows duplicates."""
    if output.startswith("..") and output.endswith("..") and len(output) > 4:
        parts = output[2:-2].split("...")
    else:
        parts = [output]
    return tuple(_DUPLICATE_SUFFIX.sub("@", p) for p in parts)


def _display(key: tuple[str, ...]) -> str:
    return key[0] if len(key) == 1 else ".." + "...".join(key) + ".."


def _outputs_in(args: Iterable[Any], kwargs: dict[str, Any]) -> list[Any]:
    """The Output objects among a callback registration's arguments, in order (flat, in lists, or `output=`)."""
    from dash import Output

    found: list[Any] = []

    def walk(item: Any) -> None:
        if isinstance(item, Output):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            for x in item.values():
                walk(x)

    walk(list(args))
    walk(kwargs.get("output"))
    return found


class CallbackRegistry:
    """The callbacks registered on one app, by the outputs the browser names: filled as they are registered."""

    def __init__(self) -> None:
        self._functions: dict[tuple[str, ...], list[Callable]] = {}

    def record(self, outputs: list[Any], func: Callable) -> None:
        """Note that `func` answers requests for `outputs`."""
        if outputs:
            self._functions.setdefault(tuple(_output_part(o) for o in outputs), []).append(func)

    def roles_for(self, output: str) -> list[Roles]:
        """The roles a request for `output` needs: one tuple per write callback with those outputs (each must be
        met; two callbacks that differ only by their inputs share an output id), [] for a read."""
        found = (roles_of(f) for f in self._functions.get(output_key(output), ()))
        return [r for r in found if r]

    def writes(self) -> dict[str, Roles]:
        """Output id -> roles of every write callback recorded so far."""
        out: dict[str, Roles] = {}
        for key, funcs in self._functions.items():
            roles = [r for r in (roles_of(f) for f in funcs) if r]
            if roles:
                out[_display(key)] = tuple(dict.fromkeys(x for r in roles for x in r))
        return out


def watch_callbacks(dash_app: Any) -> CallbackRegistry:
    """Record, from now on, each callback registered with `dash_app.callback(...)` (its public decorator) by its
    outputs, for the guard."""
    registry = CallbackRegistry()
    register = dash_app.callback

    @functools.wraps(register)
    def callback(*args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        decorator = register(*args, **kwargs)
        outputs = _outputs_in(args, kwargs)

        def recorded(func: Callable) -> Callable:
            result = decorator(func)
            registry.record(outputs, func)
            return result

        return recorded

    dash_app.callback = callback
    return registry


def roles_needed(registry: CallbackRegistry) -> list[Roles]:
    """The roles this request's target needs: a write callback (by the output id in its body) or a write route."""
    if request.path == "/_dash-update-component":
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        return registry.roles_for(output) if isinstance(output, str) else []
    roles = roles_of(current_app.view_functions.get(request.endpoint or ""))
    return [roles] if roles else []


def roles_for_output(dash_app: Any, output: str) -> list[Roles]:
    """The roles a request to `dash_app` for the callback with this output id needs ([] for a read callback)."""
    from dashboard.auth.config import EXTENSION

    return dash_app.server.extensions[EXTENSION].callbacks.roles_for(output)


def write_callbacks(dash_app: Any) -> dict[str, Roles]:
    """Every write callback (output id -> roles) and write route of this app; also refreshes WRITE_CALLBACKS and
    WRITE_ROUTES."""
    from dashboard.auth.config import EXTENSION

    server = dash_app.server
    found = server.extensions[EXTENSION].callbacks.writes()
    WRITE_CALLBACKS.clear()
    WRITE_CALLBACKS.update(found)
    routes: dict[str, Roles] = {}
    for rule in server.url_map.iter_rules():
        roles = roles_of(server.view_functions.get(rule.endpoint))
        if roles:
            routes[rule.rule] = roles
    WRITE_ROUTES.clear()
    WRITE_ROUTES.update(routes)
    return dict(found)
