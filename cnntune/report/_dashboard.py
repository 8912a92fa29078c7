"""`tune dashboard`: optuna-dashboard served on the study store, bound to localhost.

optuna-dashboard's own `run_server` blocks forever and cannot be stopped from
another thread, so the dashboard's WSGI app is served here by a wsgiref server
we own: tests start it on a free port and stop it cleanly, and a port already
in use is one clear error instead of a traceback.
"""

from __future__ import annotations

import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cnntune.errors import ReportError
from cnntune.storage import default_artifacts, mask_url, open_artifact_store, open_storage, resolve_artifacts


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    # The browser polls several endpoints at once; daemon threads let stop() return
    # even while a slow request is still being answered.
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """No access log: the browser polls every few seconds and would flood the terminal."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DashboardServer:
    """optuna-dashboard on one study store, listening as soon as it is built.

    Binding happens in the constructor, so a busy port fails before anything is
    printed. Use `serve_forever()` in the foreground (the CLI) or `start()` /
    `stop()` (tests), or `with DashboardServer(...) as server:`.
    """

    def __init__(
        self, storage_url: str, host: str = "127.0.0.1", port: int = 8080, *, artifacts: str | None = None
    ) -> None:
        """Opens the store and binds `host:port` (port 0 = any free port).

        The trials' kept models show in the dashboard from `artifacts` (a folder or
        s3://bucket), by default the folder beside an SQLite store when it exists.

        Raises:
            StorageError: the store cannot be opened (bad URL, missing SQLite file).
            ReportError: the address cannot be bound (port in use, unknown host).
        """
        import optuna_dashboard

        if not 0 <= port <= 65535:
            raise ReportError(f"--port must be 0..65535, but got {port}")
        self.storage_shown = mask_url(storage_url)
        storage = open_storage(storage_url, heartbeat=None, must_exist=True)
        app = optuna_dashboard.wsgi(storage, artifact_store=_artifact_store(storage_url, artifacts))
        try:
            self._server = make_server(host, port, app, server_class=_ThreadedServer, handler_class=_QuietHandler)
        except OSError as exc:
            raise ReportError(f"cannot serve the dashboard on {host}:{port}: {exc.strerror or exc}") from None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        """The bound port (the free one chosen when asked for port 0)."""
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/dashboard/"

    def serve_forever(self) -> None:
        """Answers requests until `stop()` is called from another thread, or Ctrl-C."""
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> DashboardServer:
        """Serves in a background thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, name="tune-dashboard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and releases the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _artifact_store(storage_url: str, artifacts: str | None) -> Any:
    """The model store the dashboard shows: `--artifacts`, else the default folder if there is one."""
    if artifacts is not None:
        return open_artifact_store(resolve_artifacts(storage_url, artifacts))
    location = default_artifacts(storage_url)
    return open_artifact_store(location) if location and Path(location).is_dir() else None
