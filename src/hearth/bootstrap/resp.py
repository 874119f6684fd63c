"""A minimal RESP2 client (the Redis and Valkey protocol) for the bootstrap: commands as arrays of bulk strings over
one TCP connection, so passwords travel only on the socket, never in argv (redis-cli would take them there).

Protocol: redis.io/docs/latest/develop/reference/protocol-spec (RESP2: ``+`` simple, ``-`` error, ``:`` integer,
``$`` bulk, ``*`` array).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from hearth.bootstrap.model import StepError, Unreachable


class ReplyError(StepError):
    """The server answered ``-ERR ...``; the message is the server's first line (never an argument sent)."""


@dataclass
class Resp:
    """One connection to ``host:port``; ``call`` sends a command and returns its decoded reply."""

    endpoint: str
    timeout: float = 5.0
    _sock: socket.socket | None = field(default=None, repr=False)
    _buf: bytes = field(default=b"", repr=False)

    def _connect(self) -> socket.socket:
        if self._sock is None:
            host, _, port = self.endpoint.rpartition(":")
            try:
                self._sock = socket.create_connection((host, int(port)), timeout=self.timeout)
            except OSError as exc:
                raise Unreachable(f"cannot reach {self.endpoint}: {type(exc).__name__}") from exc
        return self._sock

    def call(self, *args: str) -> Any:
        """Send ``args`` as one command; the reply (str, int, None, list), a ReplyError for an error reply."""
        sock = self._connect()
        out = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        try:
            sock.sendall(b"".join(out))
            return self._reply()
        except OSError as exc:
            self.close()
            raise Unreachable(f"{self.endpoint}: connection lost: {type(exc).__name__}") from exc

    def _line(self) -> bytes:
        while b"\r\n" not in self._buf:
            chunk = self._connect().recv(65536)
            if not chunk:
                raise OSError("closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self._buf) < n + 2:
            chunk = self._connect().recv(65536)
            if not chunk:
                raise OSError("closed")
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n + 2 :]
        return data

    def _reply(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:].decode(errors="replace")
        if kind == b"+":
            return rest
        if kind == b"-":
            raise ReplyError(rest[:200])
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self._exact(int(rest)).decode(errors="replace")
        if kind == b"*":
            return None if int(rest) < 0 else [self._reply() for _ in range(int(rest))]
        raise StepError(f"{self.endpoint}: not a RESP reply")

    def close(self) -> None:
        """Close the connection (the next call reconnects)."""
        if self._sock is not None:
            self._sock.close()
        self._sock, self._buf = None, b""
