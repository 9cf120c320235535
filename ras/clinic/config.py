"""Where the clinic server is: ``$RAS_SERVER``, else the user's ras config file.

The value is a PostgreSQL connection URL (``postgresql://user@host:5432/ras?sslmode=
verify-full``); libpq honours every TLS parameter in it (sslmode, sslrootcert, ...). A password
is taken from ``$PGPASSWORD`` or ``~/.pgpass`` (libpq's own places) or, in the environment
variable only, from the URL itself: the config file never holds one, and nothing ras prints,
logs or records shows one (:func:`server_label`, :func:`redacted`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ras.errors import UserInputError

__all__ = [
    "SERVER_ENV_VAR",
    "check_server_url",
    "config_path",
    "configured_server",
    "redacted",
    "save_server",
    "server_label",
]

SERVER_ENV_VAR = "RAS_SERVER"
SCHEMES = ("postgresql", "postgres")
#: URL query parameters that carry a secret (never shown, never stored).
SECRET_PARAMS = ("password", "sslpassword")


def config_path() -> Path:
    """The user's ras config file: ``$XDG_CONFIG_HOME/ras/config.json`` or ``~/.config/...``."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "ras" / "config.json"


def check_server_url(url: str) -> str:
    """``url`` if it is a PostgreSQL connection URL with a host; UserInputError if not."""
    url = str(url).strip()
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise UserInputError(
            f"clinic server {redacted(url)!r} is not a PostgreSQL connection URL; give one like"
            " postgresql://USER@HOST:5432/DATABASE?sslmode=verify-full"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise UserInputError(
            f"clinic server {redacted(url)!r} has a port that is not a number (1-65535)"
        ) from None
    return url


def _has_secret(url: str) -> bool:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return parts.password is not None or any(k in query for k in SECRET_PARAMS)


def redacted(url: str) -> str:
    """``url`` with any password (in the user part or the query) replaced by ``***``."""
    try:
        parts = urlsplit(str(url))
        netloc = parts.netloc
        if parts.password is not None:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.partition(':')[0]}:***@{host}"
        query = urlencode(
            [(k, "***" if k in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)]
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "(an unreadable URL)"


def server_label(url: str) -> str:
    """``host:port/database`` of a server URL: how ras names a server (no user, no secret)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    try:
        port = parts.port or 5432
    except ValueError:
        port = 5432
    database = parts.path.lstrip("/") or (parts.username or "")
    return f"{host}:{port}/{database}"


def configured_server() -> str | None:
    """The clinic server's URL (environment first, then config file), or None if none.

    ``RAS_SERVER=""`` (set, empty) means no server, whatever the config file says.
    """
    if SERVER_ENV_VAR in os.environ:
        value = os.environ[SERVER_ENV_VAR].strip()
        return check_server_url(value) if value else None
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UserInputError(f"cannot read the ras config file {path}: {exc}") from None
    server = data.get("server") if isinstance(data, dict) else None
    if not server:
        return None
    return check_server_url(str(server))


def save_server(url: str | None) -> Path:
    """Store the clinic server's URL in the config file (None: forget it); returns the file.

    A URL holding a password is refused: give the password through ``$PGPASSWORD`` or
    ``~/.pgpass`` (libpq reads both), so it is never written by ras.
    """
    if url is not None:
        url = check_server_url(url)
        if _has_secret(url):
            raise UserInputError(
                "the server URL holds a password; ras does not store passwords: leave it out of"
                " the URL and put it in ~/.pgpass (chmod 600) or $PGPASSWORD"
            )
    path = config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    if url is None:
        data.pop("server", None)
    else:
        data["server"] = url
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        raise UserInputError(f"cannot write the ras config file {path}: {exc}") from None
    return path
