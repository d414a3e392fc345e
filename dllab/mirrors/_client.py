"""A minimal HTTP client for Visdom's JSON API (stdlib only, timeouts on every call).

Why not the `visdom` package's client: `import visdom` takes 1.4–2.3 s and, on
0.2.4, imports torch — the lab's UI process must never import torch. Its
requests session has no read timeout (a hung server blocks the caller for
ever), and with `raise_exceptions=False` it prints a traceback per failed call.
Its `line(..., name=...)` also sends one trace per request, where the raw
`/update` endpoint takes every trace of a window in one request. The messages
sent here are the ones the client itself builds (see `visdom/__init__.py`,
`scatter`/`bar`/`heatmap` and `_send`), checked against 0.2.4's handlers.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from dllab.errors import DllabError

DEFAULT_URL = "http://127.0.0.1:8097"
"""Where `dllab visdom` serves and `--visdom` sends when no URL is given."""


class VisdomUnavailable(DllabError):
    """The Visdom server did not answer (refused, timed out) or answered with an error."""


class VisdomClient:
    """POSTs JSON to one Visdom server over a kept-alive connection."""

    def __init__(
        self, url: str = DEFAULT_URL, timeout_s: float = 3.0, read_timeout_s: float = 60.0
    ) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise VisdomUnavailable(f"not a Visdom URL: {url!r} (expected http://HOST:PORT)")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 8097)
        self.https = parts.scheme == "https"
        self.base = parts.path.rstrip("/")
        self.timeout_s = timeout_s
        """Connect timeout: a server that is down is noticed this fast."""
        self.read_timeout_s = read_timeout_s
        """Answer timeout: a big window's /update can take the server seconds."""
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=self.timeout_s)
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(self.read_timeout_s)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Drop the kept-alive connection (the next call opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, endpoint: str, payload: dict[str, Any]) -> str:
        """POST `payload` as JSON to `/endpoint` and return the response body.

        Raises:
            VisdomUnavailable: no connection, a timeout, or a non-200 answer.
        """
        body = json.dumps(payload, allow_nan=False).encode()
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        for attempt in (1, 2):  # a kept-alive connection the server closed fails once: retry
            try:
                conn = self._connection()
                conn.request("POST", f"{self.base}/{endpoint}", body, headers)
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2 or isinstance(exc, (ConnectionRefusedError, TimeoutError)):
                    raise VisdomUnavailable(
                        f"Visdom at {self.url} is not reachable ({exc})"
                    ) from None
                continue
            if response.status != 200:
                raise VisdomUnavailable(
                    f"Visdom at {self.url} answered {response.status} to /{endpoint}"
                )
            return text
        raise AssertionError("unreachable")

    # -- the endpoints dllab uses ----------------------------------------------
    def alive(self) -> bool:
        """True when the server answers (`/env_state` exists on 0.2.4 and 0.3.0; `/health` does not)."""
        try:
            self.post("env_state", {})
        except VisdomUnavailable:
            return False
        return True

    def env_list(self) -> list[str]:
        """Every env the server knows (raw `/env_state` with `{}`: 0.3.0's client call is broken)."""
        data = json.loads(self.post("env_state", {}))
        return [str(e) for e in data] if isinstance(data, list) else list(map(str, data))

    def window(self, env: str, win: str) -> dict[str, Any]:
        """One window's JSON (`content.data` holds the traces), as Visdom stores it."""
        data = json.loads(self.post("win_data", {"eid": env, "win": win}))
        assert isinstance(data, dict)
        return data

    def windows(self, env: str) -> dict[str, Any]:
        """Every window of an env, by window id."""
        data = json.loads(self.post("win_data", {"eid": env, "win": None}))
        assert isinstance(data, dict)
        return data

    def save(self, env: str) -> None:
        """Ask the server to write the env to its env_path (survives a SIGTERM'd server)."""
        self.post("save", {"data": [env]})
