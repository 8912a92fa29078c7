"""Storage URL -> Optuna storage: SQLite by default, PostgreSQL by URL.

Heartbeats are on by default, with the stale-trial retry: a worker that dies
mid-trial leaves a RUNNING trial that the next worker marks FAIL after the
grace period and re-queues as WAITING, so no trial is silently lost.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path
from typing import Any

from cnntune.errors import StorageError

DEFAULT_STORAGE = "sqlite:///tune.db"  # a file in the current folder: a study needs no server to start
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*)://", re.I)
_SECRET_KEY = re.compile(r"pass|secret|token", re.I)


@dataclasses.dataclass(frozen=True)
class HeartbeatSettings:
    """How fast a dead worker's trial is noticed and retried.

    interval: seconds between a running trial's heartbeats.
    grace_period: seconds without a heartbeat before the trial counts as dead.
    max_retry: how many times one trial is re-queued after its worker died.
    """

    interval: int = 30
    grace_period: int = 90
    max_retry: int = 3

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise StorageError(f"--heartbeat-interval must be >= 1 second, but got {self.interval}")
        if self.grace_period <= self.interval:
            raise StorageError(
                f"--grace-period ({self.grace_period}s) must exceed the heartbeat interval "
                f"({self.interval}s), or live trials would be failed"
            )


def mask_url(url: str) -> str:
    """The URL with every credential replaced by ***, for every message and log line.

    Masks the password of the user info (also an empty user, `postgresql://:pw@h/db`,
    and a password holding an unencoded `@`: everything up to the last `@` before
    the path is user info) and the values of query parameters that carry secrets
    (`password`, `sslpassword`, any key with "pass", "secret" or "token"). A text
    without `scheme://` is not a URL this can read: all of it is masked.
    """
    match = _SCHEME.match(url)
    if match is None:
        return "***" if url.strip() else url
    scheme, rest = match.group(1), url[match.end() :]
    end = _userinfo_end(rest)
    at = end >= 0
    userinfo, location = (rest[:end], rest[end + 1 :]) if at else ("", rest)
    if at:
        user, colon, _ = userinfo.partition(":")
        userinfo = f"{user}:***@" if colon else f"{userinfo}@"
    location, question, query = location.partition("?")
    if question:
        query = "&".join(_masked_parameter(part) for part in query.split("&"))
    return f"{scheme}://{userinfo if at else ''}{location}{question}{query}"


def masked_text(text: str, url: str) -> str:
    """`text` (a library's or a driver's message about `url`) with the URL and its password masked."""
    return _without_password(text.replace(url, mask_url(url)), url)


def _without_password(text: str, url: str) -> str:
    """A driver's error text with the URL's password (if any) replaced: the rest of the reason stays readable.

    A password holding an unencoded `@` is split by the driver into password and host, and
    the "host" it then cannot resolve carries the rest of the password: that reason is not shown.
    """
    from sqlalchemy.engine import make_url

    if "@" in _userinfo(url):
        return "the password holds an unencoded '@' (write it as %40), so the host could not be read"
    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - an unparsable URL has no password to hide here
        password = None
    return text.replace(str(password), "***") if password else text


def _userinfo(url: str) -> str:
    """What `mask_url` reads as the user info ("" when there is none)."""
    match = _SCHEME.match(url)
    rest = url[match.end() :] if match else url
    end = _userinfo_end(rest)
    return rest[:end] if end >= 0 else ""


def _userinfo_end(rest: str) -> int:
    """Where the user info of `rest` (the URL after `scheme://`) ends: its `@`, or -1.

    The user info ends at the last "@" before the path; a password may hold an unencoded "@" or "?",
    and one holding a "/" moves the apparent path start into it: then the last "@" of all.
    """
    slash = rest.find("/")
    end = rest.rfind("@", 0, slash if slash >= 0 else len(rest))
    return end if end >= 0 else rest.rfind("@")


def _masked_parameter(part: str) -> str:
    key, equals, value = part.partition("=")
    return f"{key}=***" if equals and _SECRET_KEY.search(key) else part


def open_storage(
    url: str, heartbeat: HeartbeatSettings | None = HeartbeatSettings(), *, must_exist: bool = False
) -> Any:
    """Opens (and creates the schema of) the study store at `url`.

    Args:
        url: an SQLAlchemy URL, e.g. `sqlite:///tune.db` or `postgresql://user@host/db`.
        heartbeat: heartbeat and stale-trial retry settings; None turns heartbeats off
            (read-only commands such as `tune status` need none).
        must_exist: refuse an SQLite file that does not exist yet, instead of creating
            an empty store (read-only commands: a mistyped path should not look empty).

    Returns:
        An `optuna.storages.RDBStorage`.
    """
    import optuna
    import sqlalchemy.exc

    shown = mask_url(url)
    if must_exist:
        _check_sqlite_file_exists(url)
    if heartbeat is not None:  # a store trials are written to
        check_writable(url)
    url = with_default_driver(url)
    kwargs: dict[str, Any] = {"engine_kwargs": _engine_kwargs(url)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeat API
            if heartbeat is not None:
                kwargs.update(
                    heartbeat_interval=heartbeat.interval,
                    grace_period=heartbeat.grace_period,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(
                        max_retry=heartbeat.max_retry
                    ),
                )
            return optuna.storages.RDBStorage(url, **kwargs)
    except (sqlalchemy.exc.ArgumentError, ValueError):  # ValueError: e.g. an unclosed [IPv6 host
        raise StorageError(f"storage URL {shown!r} is not a valid database URL") from None
    except (sqlalchemy.exc.NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        raise StorageError(f"storage {shown!r}: database driver not installed ({exc})") from None
    except sqlalchemy.exc.SQLAlchemyError as exc:
        reason = _without_password(str(getattr(exc, "orig", None) or exc), url).strip().splitlines()[0]
        raise StorageError(f"cannot open storage {shown!r}: {reason}") from None


def with_default_driver(url: str) -> str:
    """`postgresql://` means psycopg 3 (what cnntune installs), not SQLAlchemy's psycopg2 default."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def _engine_kwargs(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Writers queue for the file lock instead of failing with "database is locked".
        return {"connect_args": {"timeout": 60}}
    # pre_ping replaces connections the server dropped (restart, pg_terminate_backend).
    return {"pool_pre_ping": True}


def check_writable(storage_url: str) -> None:
    """An SQLite store that trials will be written to must be writable, checked before anything is.

    A read-only or immutable file (`chattr +i`), or a folder where SQLite cannot write
    its journal, otherwise fails at the first write with a 120-line traceback, after the
    data was loaded. Other databases say so when they connect.
    """
    import os

    from sqlalchemy.engine import make_url

    try:
        url = make_url(storage_url)
    except Exception:  # noqa: BLE001 - open_storage words an unparsable URL
        return
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    folder = path.parent if str(path.parent) else Path(".")
    shown = mask_url(storage_url)
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(
            f"{shown}: the file is read-only (its permissions or an immutable flag); pass a writable --storage"
        )
    if folder.is_dir() and not os.access(folder, os.W_OK):
        raise StorageError(f"{shown}: its folder {folder} is read-only, and SQLite writes its journal there")


def _check_sqlite_file_exists(storage_url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(storage_url)
    except (ArgumentError, ValueError):  # ValueError: an unclosed [IPv6 host (found by tests/test_hostile_input.py)
        return  # open_storage words this error
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    if not Path(url.database).is_file():
        raise StorageError(
            f"no study store at {url.database} (from --storage {mask_url(storage_url)}); run `tune start` first"
        )
