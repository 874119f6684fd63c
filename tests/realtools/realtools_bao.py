"""An OpenBao server as production runs one (not ``-dev``): raft storage, a real ``sys/init``, and either the
static seal (auto-unseal from a 32-byte key file, recovery keys at init) or Shamir (unseal keys, sealed again on
every restart). Started on free loopback ports in its own directory, always stopped."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from realtools_servers import LOOPBACK, Process, cleanup, free_port, make_dir, venv_tool, wait_until


@dataclass
class RealBao:
    """A non-dev OpenBao; ``restart`` stops and starts the same server on the same storage."""

    address: str
    dir: Path
    cmd: list[str]
    proc: Process

    def seal_status(self) -> dict[str, object]:
        conn = http.client.HTTPConnection(LOOPBACK, int(self.address.rsplit(":", 1)[1]), timeout=5)
        try:
            conn.request("GET", "/v1/sys/seal-status")
            return dict(json.loads(conn.getresponse().read()))
        finally:
            conn.close()

    def start(self) -> None:
        self.proc = Process.start(
            "bao", self.cmd, self.dir / "server.log", {"PATH": "/usr/bin:/bin", "HOME": str(self.dir)}
        )
        self.proc.stop_timeout = 0.5  # a throwaway server: SIGKILL soon after SIGTERM rather than wait for raft
        wait_until(lambda: "initialized" in self.seal_status(), f"OpenBao at {self.address}", [self.proc])

    def restart(self) -> None:
        self.proc.stop(signal.SIGTERM)
        self.start()


@contextlib.contextmanager
def real_bao(
    seal: Literal["static", "shamir"], data_from: Path | None = None, ports: tuple[int, int] | None = None
) -> Iterator[RealBao]:
    """An OpenBao with raft storage and the given seal: uninitialized, or on a copy of ``data_from`` (a stopped
    server's raft directory, with the same ``ports``: raft keeps its node's address)."""
    root = make_dir("bao-real", None)
    procs: list[Process] = []
    with cleanup([root], procs):
        port, cluster = ports or (free_port(), free_port())
        if data_from is not None:
            shutil.copytree(data_from, root / "data")
        else:
            (root / "data").mkdir()
        stanza = ""
        if seal == "static":
            key = root / "seal.key"
            key.write_bytes(os.urandom(32))
            key.chmod(0o600)
            stanza = f'seal "static" {{\n  current_key_id = "1"\n  current_key = "file://{key}"\n}}\n'
        (root / "bao.hcl").write_text(
            f'storage "raft" {{\n  path = "{root / "data"}"\n  node_id = "n1"\n}}\n'
            f'listener "tcp" {{\n  address = "{LOOPBACK}:{port}"\n  cluster_address = "{LOOPBACK}:{cluster}"\n'
            "  tls_disable = 1\n}\n"
            f'api_addr = "http://{LOOPBACK}:{port}"\ncluster_addr = "http://{LOOPBACK}:{cluster}"\n' + stanza
        )
        cmd = [venv_tool("bao"), "server", f"-config={root / 'bao.hcl'}"]
        bao = RealBao(f"http://{LOOPBACK}:{port}", root, cmd, None)  # type: ignore[arg-type]
        bao.start()
        procs.append(bao.proc)
        try:
            yield bao
        finally:
            bao.proc.stop()


def kubernetes_ca(work: Path) -> Path:
    """A CA certificate standing in for the API server's (Vault outside a pod has no ServiceAccount mount), for
    the Kubernetes auth step of a bootstrap run in ``work``."""
    ca = work / "ca.pem"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=kubernetes"]
    argv = ["openssl", "req", "-x509", *ec, "-keyout", str(work / "k"), "-out", str(ca)]
    subprocess.run(argv, check=True, capture_output=True)
    return ca
