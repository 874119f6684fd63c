"""Small loopback servers standing in for the providers the bootstrap steps talk to where no real one can run here
(no modern ClickHouse, no Stalwart in Debian or PyPI), and for Vault's KV version 2 API those steps write into.

Each is a ``ThreadingHTTPServer`` on 127.0.0.1 with its state in plain dicts the test reads and drifts directly,
and a record of every request (path, query string, headers, body) so a test can hold the step to what it sends.
They answer only the requests the steps are written to send, as the upstream documents them; anything else is an
error reply, so a step sending something new fails its test rather than passing against a guess.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hearth.bootstrap import Options, StepResult, bootstrap
from hearth.catalog.loader import load_catalog

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One request a fake received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, dict[str, str], bytes]
Handle = Callable[[Request], Reply]


@dataclass
class Fake:
    """A fake server's address and what it received."""

    port: int
    requests: list[Request] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"{LOOPBACK}:{self.port}"


@contextmanager
def serve(handle: Handle) -> Iterator[Fake]:
    """``handle`` answering HTTP on a free loopback port until the block ends."""
    received: list[Request] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            split = urlsplit(self.path)
            request = Request(
                self.command,
                split.path,
                split.query,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            with lock:
                received.append(request)
                status, headers, body = handle(request)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Fake(server.server_address[1], received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def json_reply(status: int, body: object, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeVault:
    """Vault's KV version 2 engine at ``kv/`` (developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2: read and
    create/update secret), with one token; entries by path under the mount."""

    token: str = "root-token"
    kv: dict[str, dict[str, Any]] = field(default_factory=dict)

    def handle(self, request: Request) -> Reply:
        if request.headers.get("x-vault-token") != self.token:
            return json_reply(403, {"errors": ["permission denied"]})
        if not request.path.startswith("/v1/kv/data/"):
            return json_reply(404, {"errors": []})
        path = request.path.removeprefix("/v1/kv/data/")
        if request.method == "GET":
            if path not in self.kv:
                return json_reply(404, {"errors": []})
            return json_reply(200, {"data": {"data": self.kv[path], "metadata": {"version": 1}}})
        if request.method in ("POST", "PUT"):
            self.kv[path] = dict(json.loads(request.body)["data"])
            return json_reply(200, {"data": {"version": 1}})
        return json_reply(405, {"errors": ["unsupported"]})


def write_admin(directory: Path, provider: str, username: str, password: str) -> Path:
    """``directory`` (made) holding the operator's admin login of ``provider`` as ``--admin-dir`` reads it (0600)."""
    directory.mkdir(exist_ok=True)
    fd = os.open(directory / f"{provider}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"username": username, "password": password}, out)
    return directory


@contextmanager
def served_provider(
    provider: str, handle: Handle, admin_dir: Path, admin: tuple[str, str]
) -> Iterator[tuple[Fake, FakeVault, Fake, Options]]:
    """A provider's fake server and a fake Vault on loopback, the operator's ``admin`` login of ``provider`` in
    ``admin_dir``, and the bootstrap options reaching both: (server, vault, vault's server, options)."""
    vault = FakeVault()
    admins = write_admin(admin_dir, provider, *admin)
    with serve(handle) as server, serve(vault.handle) as vault_server:
        options = Options(
            vault_address=f"http://{vault_server.endpoint}",
            vault_token=vault.token,
            endpoints={provider: server.endpoint},
            admin_dir=admins,
        )
        yield server, vault, vault_server, options


def run_only(step: str, files: dict[str, str], options: Options, *, dry_run: bool = False) -> StepResult:
    """The result of running the seed's bootstrap step ``step`` alone against ``files``."""
    (result,) = bootstrap(load_catalog(None), files, options, only=[step], dry_run=dry_run)
    return result
