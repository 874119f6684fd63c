"""An OpenBao server as production runs one (not ``-dev``): raft storage, TLS on its listener, a real
``sys/init``, and either the static seal (auto-unseal from a 32-byte key file, recovery keys at init) or Shamir
(unseal keys, sealed again on every restart). Started on free loopback ports in its own directory, always stopped.

The listener's certificate is signed by a CA the fixture generates (``cryptography``), standing in for the
platform's bootstrap CA: clients verify the server with it (``RealBao.ca``), as the rendered consumers do."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import json
import os
import shutil
import signal
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from realtools_servers import LOOPBACK, Process, cleanup, free_port, make_dir, venv_tool, wait_until


@dataclass
class RealBao:
    """A non-dev OpenBao; ``restart`` stops and starts the same server on the same storage."""

    address: str
    dir: Path
    cmd: list[str]
    proc: Process
    ca: Path
    """The CA certificate (PEM) the listener's certificate chains to."""

    def seal_status(self) -> dict[str, object]:
        context = ssl.create_default_context(cafile=str(self.ca))
        port = int(self.address.rsplit(":", 1)[1])
        conn = http.client.HTTPSConnection(LOOPBACK, port, timeout=5, context=context)
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


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def write_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signs for 127.0.0.1 and localhost: (ca, cert, key) PEM files."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("hearth test bootstrap CA"))
        .issuer_name(_name("hearth test bootstrap CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "tls.crt", directory / "tls.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    paths[2].chmod(0o600)
    return paths


@contextlib.contextmanager
def real_bao(
    seal: Literal["static", "shamir"],
    data_from: Path | None = None,
    ports: tuple[int, int] | None = None,
    tls_dir: Path | None = None,
) -> Iterator[RealBao]:
    """An OpenBao with raft storage and the given seal: uninitialized, or on a copy of ``data_from`` (a stopped
    server's raft directory, with the same ``ports``: raft keeps its node's address). Its CA and certificate are
    made in ``tls_dir`` the first time and kept there (servers that clients planned against once share them),
    else made in the server's own directory."""
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
        if tls_dir is not None and (tls_dir / "ca.pem").is_file():
            ca, cert, key = tls_dir / "ca.pem", tls_dir / "tls.crt", tls_dir / "tls.key"
        elif tls_dir is not None:
            tls_dir.mkdir(parents=True, exist_ok=True)
            ca, cert, key = write_tls(tls_dir)
        else:
            ca, cert, key = write_tls(root)
        (root / "bao.hcl").write_text(
            f'storage "raft" {{\n  path = "{root / "data"}"\n  node_id = "n1"\n}}\n'
            f'listener "tcp" {{\n  address = "{LOOPBACK}:{port}"\n  cluster_address = "{LOOPBACK}:{cluster}"\n'
            f'  tls_cert_file = "{cert}"\n  tls_key_file = "{key}"\n  tls_min_version = "tls12"\n}}\n'
            f'api_addr = "https://{LOOPBACK}:{port}"\ncluster_addr = "https://{LOOPBACK}:{cluster}"\n' + stanza
        )
        cmd = [venv_tool("bao"), "server", f"-config={root / 'bao.hcl'}"]
        bao = RealBao(f"https://{LOOPBACK}:{port}", root, cmd, None, ca)  # type: ignore[arg-type]
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
