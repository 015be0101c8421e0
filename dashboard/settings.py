"""Settings: every environment variable the dashboard reads is a field here (README.md's Configuration table).

`Settings.from_env()` reads them once; nothing else in the code reads the environment. Built in code
(`Settings(instance_path=..., database_url=..., redis_url=None)`, as tests do) a Settings takes only what it is
given and the defaults, so a variable left set in the shell cannot leak into it.
"""

from __future__ import annotations

import hashlib
import ipaddress
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

AUTH_MODES = ("none", "password", "header")
COOKIE_SECURE_MODES = ("auto", "always")
EMBEDDED_DATABASE = "board.db"


def _env(name: str) -> str:
    """The environment variable a field is read from (in code the field is given by its own name)."""
    return name


class Settings(BaseSettings):
    """The dashboard's configuration. Invalid values stop the start with one line naming the variable."""

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=True, extra="forbid", validate_by_name=True, validate_by_alias=True
    )

    # Declared in the order today's variables are checked, so the first problem reported is the same one.
    instance_path: Path = Field(default_factory=lambda: Path.cwd() / "instance", validation_alias=_env("INSTANCE_PATH"))
    database_url: str = Field("", validation_alias=_env("DATABASE_URL"))  # blank: SQLite in the instance folder
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    cache_timeout: int = Field(3600, validation_alias=_env("CACHE_TIMEOUT"))
    small_number_threshold: int = Field(20, validation_alias=_env("SMALL_NUMBER_THRESHOLD"))
    suppress_small_counts: bool = Field(True, validation_alias=_env("SUPPRESS_SMALL_COUNTS"))
    extra: dict = Field(default_factory=dict)
    # Sign-in (see dashboard/auth/ and README.md). `none` is the single-user default and serves loopback only.
    auth_mode: str = Field("none", validation_alias=_env("AUTH_MODE"))  # none | password | header
    # Unset: generated once into the instance folder. Never shown in the settings' repr.
    secret_key: str | None = Field(None, repr=False, validation_alias=_env("SECRET_KEY"))
    auth_user_header: str = Field("X-Forwarded-User", validation_alias=_env("AUTH_USER_HEADER"))
    auth_roles_header: str = Field("X-Forwarded-Roles", validation_alias=_env("AUTH_ROLES_HEADER"))
    # Addresses or networks of the reverse proxy / single sign-on.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias=_env("TRUSTED_PROXIES"))
    # Header mode: where "sign out" sends people (the sign-on's logout).
    auth_logout_url: str | None = Field(None, validation_alias=_env("AUTH_LOGOUT_URL"))
    session_idle_minutes: int = Field(30, validation_alias=_env("SESSION_IDLE_MINUTES"))
    session_max_hours: int = Field(12, validation_alias=_env("SESSION_MAX_HOURS"))
    login_max_failures: int = Field(5, validation_alias=_env("LOGIN_MAX_FAILURES"))  # per name, in the window
    login_max_failures_per_address: int = Field(20, validation_alias=_env("LOGIN_MAX_FAILURES_PER_ADDRESS"))
    login_lockout_minutes: int = Field(15, validation_alias=_env("LOGIN_LOCKOUT_MINUTES"))
    # auto: Secure when the request came over https | always
    cookie_secure: str = Field("auto", validation_alias=_env("COOKIE_SECURE"))
    # The Chromium the board pack's charts are drawn with (unset: Debian's chromium on the PATH).
    browser_path: str | None = Field(None, validation_alias=_env("BROWSER_PATH"))
    # The key of the keyed hash that replaces a child's id (unset: a random key kept in the instance folder).
    returns_pseudonym_key: str | None = Field(None, repr=False, validation_alias=_env("RETURNS_PSEUDONYM_KEY"))
    # How long the server waits on the database and the cache before saying the data is unavailable (seconds).
    database_connect_timeout: int = Field(3, validation_alias=_env("DATABASE_CONNECT_TIMEOUT"))
    database_statement_timeout: float = Field(5.0, validation_alias=_env("DATABASE_STATEMENT_TIMEOUT"))  # 0: none
    database_pool_timeout: float = Field(5.0, validation_alias=_env("DATABASE_POOL_TIMEOUT"))
    redis_connect_timeout: float = Field(1.0, validation_alias=_env("REDIS_CONNECT_TIMEOUT"))
    redis_socket_timeout: float = Field(2.0, validation_alias=_env("REDIS_SOCKET_TIMEOUT"))
    cache_retry_after: float = Field(30.0, validation_alias=_env("CACHE_RETRY_AFTER"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller gives: from_env() hands over the environment explicitly.
        return (init_settings,)

    @classmethod
    def from_env(cls) -> Settings:
        """The settings from the environment. A bad value ends the program with one line saying what to fix."""
        variables = {f.validation_alias for f in cls.model_fields.values() if f.validation_alias}
        # Only the documented names: the source would also take a field's own name (`instance_path`).
        values = {k: v for k, v in EnvSettingsSource(cls, case_sensitive=True)().items() if k in variables}
        try:
            return cls(**values)
        except ValidationError as e:
            raise SystemExit(_first_problem(e)) from None

    # --- validation: blank means "use the default", as it always has -------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _blank_is_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, value in list(data.items()):
            # SUPPRESS_SMALL_COUNTS is compared as written (see _suppress); INSTANCE_PATH was never trimmed.
            if key in ("suppress_small_counts", "SUPPRESS_SMALL_COUNTS"):
                continue
            if isinstance(value, str):
                stripped = value if key in ("instance_path", "INSTANCE_PATH") else value.strip()
                if not stripped:
                    del data[key]
                else:
                    data[key] = stripped
        instance = Path(_pick(data, "instance_path", "INSTANCE_PATH") or Path.cwd() / "instance").resolve()
        _put(data, "instance_path", "INSTANCE_PATH", instance)
        if not _pick(data, "database_url", "DATABASE_URL"):
            _put(data, "database_url", "DATABASE_URL", embedded_database_url(instance))
        return data

    @field_validator(
        "cache_timeout",
        "small_number_threshold",
        "session_idle_minutes",
        "session_max_hours",
        "database_connect_timeout",
        "login_max_failures",
        "login_max_failures_per_address",
        "login_lockout_minutes",
        mode="before",
    )
    @classmethod
    def _whole_number(cls, value: Any, info) -> Any:
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"{info.field_name.upper()} must be a whole number, not {value!r}") from None
        return value

    @field_validator(
        "database_statement_timeout",
        "database_pool_timeout",
        "redis_connect_timeout",
        "redis_socket_timeout",
        "cache_retry_after",
        mode="before",
    )
    @classmethod
    def _seconds(cls, value: Any, info) -> Any:
        if isinstance(value, str):
            try:
                seconds = float(value)
            except ValueError:
                raise ValueError(f"{info.field_name.upper()} must be a number of seconds, not {value!r}") from None
            if seconds < 0:
                raise ValueError(f"{info.field_name.upper()} must not be negative, not {value!r}")
            return seconds
        return value

    @field_validator("suppress_small_counts", mode="before")
    @classmethod
    def _suppress(cls, value: Any) -> Any:
        # Anything but an explicit no keeps suppression on: a typo must not publish small counts.
        return value not in ("0", "false", "no") if isinstance(value, str) else value

    @field_validator("auth_mode", "cookie_secure", mode="before")
    @classmethod
    def _choice(cls, value: Any, info) -> Any:
        allowed = AUTH_MODES if info.field_name == "auth_mode" else COOKIE_SECURE_MODES
        raw = str(value).strip().lower()
        if raw not in allowed:
            raise ValueError(f"{info.field_name.upper()} must be one of {', '.join(allowed)}, not {raw!r}")
        return raw

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        """Comma- or space-separated IP addresses or networks (10.0.0.0/8); checked here so a typo stops the start."""
        items = tuple(x for x in value.replace(",", " ").split() if x) if isinstance(value, str) else tuple(value)
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES: {item!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return items

    # --- derived ----------------------------------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when running on the bundled SQLite default (created and loaded on first start)."""
        return self.database_url == embedded_database_url(self.instance_path)

    @property
    def cache_key_prefix(self) -> str:
        """Several boards (databases) can share one Redis: keys are namespaced by database."""
        return "bd:" + hashlib.sha256(self.database_url.encode()).hexdigest()[:10] + ":"

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some fields changed, validated like the original."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**values, **changes})


def embedded_database_url(instance_path: Path) -> str:
    """The bundled SQLite database's address inside an instance folder."""
    return f"sqlite:///{Path(instance_path).resolve() / EMBEDDED_DATABASE}"


def _pick(data: dict, *keys: str) -> Any:
    return next((data[k] for k in keys if data.get(k) not in (None, "")), None)


def _put(data: dict, name: str, alias: str, value: Any) -> None:
    data.pop(alias, None)
    data[name] = value


def _first_problem(e: ValidationError) -> str:
    """The message a validator wrote (which names the variable), else pydantic's own, for the first bad field."""
    err = e.errors()[0]
    cause = (err.get("ctx") or {}).get("error")
    if cause is not None:
        return str(cause)
    field = str(err["loc"][0]).upper() if err.get("loc") else "a setting"
    return f"{field}: {err['msg']}"
