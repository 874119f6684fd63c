"""The seed's rendered Helm test commands, run against the real servers on loopback: they pass, and they fail.

Each test starts the real server on a free 127.0.0.1 port, runs the command the chart's test pod runs (the
Service host and port replaced by the loopback address and port, nothing else changed) with only that client's
directory on PATH, and asserts it succeeds; then stops the server and asserts the same command fails.

The clients are Debian bookworm's, not the images': pg_isready 15 for the postgres:18.6 image's; MariaDB 10.11's
mysqladmin for MySQL 8.4's; redis-cli 7.0 for the valkey image's (valkey/valkey installs ``redis-cli`` as a link
to valkey-cli, and the rendered command names redis-cli); busybox 1.35's applets for the busybox:1.36.1 image's
(Debian builds the small ``nc`` whose ``-w`` bounds only the connect); curl 7.88 for curlimages/curl 8.10.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from realtools_bao import real_bao, write_tls
from realtools_render import HelmTestPod, helm_test, localize, service_env
from realtools_servers import (
    LOOPBACK,
    client_env,
    mariadb_server,
    pg_bin,
    postgres_server,
    rabbitmq_server,
    redis_server,
    run,
    system_tool,
    wait_until,
)

from hearth.bootstrap.resp import Resp
from hearth.protocols import NC_IMAGE
from hearth.render.model import RenderedPlatform

BUSYBOX_APPLETS = ("sh", "nc", "head", "od", "grep", "printf")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """HOME for a test pod's command (the pod sets HOME=/tmp on an emptyDir); pytest removes it."""
    return tmp_path


def run_probe(command: list[str], path_dirs: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """Run a localized test command the way the pod does: its program looked up on ``path_dirs`` only."""
    program = shutil.which(command[0], path=os.pathsep.join(path_dirs))
    assert program is not None, f"{command[0]} not on {path_dirs}"
    return run([program, *command[1:]], env=client_env(*path_dirs, home=home), timeout=30)


def passes(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, f"rendered Helm test failed against the live server ({proc.returncode}):\n{proc}"


def fails(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode != 0, f"rendered Helm test passed with no usable server behind it:\n{proc}"


def test_postgresql_pg_isready(rendered_seed: RenderedPlatform, home: Path) -> None:
    probe = helm_test(rendered_seed, "postgresql")
    assert probe.command[0] == "pg_isready" and probe.image.startswith("docker.io/library/postgres:")
    path = [str(pg_bin())]
    with postgres_server() as pg:
        command = localize(probe.command, probe.host, probe.port, pg.port)
        passes(run_probe(command, path, home))
        pg.stop()
        fails(run_probe(command, path, home))


def test_mysql_mysqladmin_ping(rendered_seed: RenderedPlatform, home: Path) -> None:
    """mysqladmin ping needs no account: "Access denied" still means the server answered (exit 0)."""
    probe = helm_test(rendered_seed, "mysql")
    assert probe.command[:2] == ["mysqladmin", "ping"]
    path = [str(Path(system_tool("mysqladmin", "/usr/bin")).parent)]
    with mariadb_server() as db:
        command = localize(probe.command, probe.host, probe.port, db.port)
        proc = run_probe(command, path, home)
        passes(proc)
        assert "Access denied" in proc.stderr  # no credentials in the test pod, and none needed
        db.stop()
        fails(run_probe(command, path, home))


def _valkey_flags(seed: RenderedPlatform) -> list[str]:
    """The server flags the valkey image's entrypoint appends from VALKEY_EXTRA_FLAGS, as rendered."""
    flags = service_env(seed, "valkey", "valkey")["VALKEY_EXTRA_FLAGS"]
    assert isinstance(flags, str)
    return flags.split()


def test_valkey_ping_answers_pong(rendered_seed: RenderedPlatform, home: Path) -> None:
    """Against redis-server 7.0 started with the StatefulSet's own VALKEY_EXTRA_FLAGS."""
    probe = helm_test(rendered_seed, "valkey")
    assert probe.command[:2] == ["sh", "-c"] and "ping | grep -q PONG" in probe.command[2]
    path = ["/usr/bin", "/bin"]
    with redis_server(_valkey_flags(rendered_seed)) as server:
        command = localize(probe.command, probe.host, probe.port, server.port)
        passes(run_probe(command, path, home))
        server.stop()
        fails(run_probe(command, path, home))


def test_valkey_test_fails_on_an_error_reply(rendered_seed: RenderedPlatform, home: Path) -> None:
    """redis-cli exits 0 on an error reply (here NOAUTH): the bare ``redis-cli ping`` the test used to run passes
    against a server the pod cannot use; the rendered ``| grep -q PONG`` fails it. The server's own liveness probe,
    by contrast, must pass on NOAUTH and fail only when the server is gone."""
    probe = helm_test(rendered_seed, "valkey")
    path = ["/usr/bin", "/bin"]
    with redis_server(_valkey_flags(rendered_seed)) as server:
        # As hearth bootstrap sets it: the server loads its ACL file, which overrides a --requirepass flag.
        setter = Resp(f"{LOOPBACK}:{server.port}")
        try:
            setter.call("ACL", "SETUSER", "default", "resetpass", ">not-in-the-test-pod")
        finally:
            setter.close()
        command = localize(probe.command, probe.host, probe.port, server.port)
        fails(run_probe(command, path, home))
        bare = run_probe(["redis-cli", "-h", LOOPBACK, "-p", str(server.port), "ping"], path, home)
        assert bare.returncode == 0 and "NOAUTH" in bare.stdout, bare
        # The container's own probes take NOAUTH as alive: a server requiring its password is not restarted.
        (liveness,) = [
            c["livenessProbe"]["exec"]["command"]
            for m in rendered_seed.charts["valkey"].manifests
            if m["kind"] == "StatefulSet"
            for c in m["spec"]["template"]["spec"]["containers"]
            if c["name"] == "valkey"
        ]
        alive = [*liveness[:2], liveness[2].replace("valkey-cli", f"redis-cli -p {server.port}")]
        passes(run_probe(alive, path, home))
        server.stop()
        fails(run_probe(alive, path, home))


def _busybox_path(tmp: Path) -> list[str]:
    """A directory whose sh, nc, head, od, grep and printf are busybox applets, like the busybox image's /bin."""
    busybox = system_tool("busybox", "/usr/bin", "/bin")
    applets = tmp / "busybox-bin"
    applets.mkdir()
    for applet in BUSYBOX_APPLETS:
        (applets / applet).symlink_to(busybox)
    return [str(applets)]


class NotAmqp:
    """A TCP server that accepts and answers like a web server: open port, wrong protocol."""

    def __init__(self) -> None:
        self.sock = socket.create_server((LOOPBACK, 0))
        self.port = int(self.sock.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(64)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()
        self.thread.join(timeout=5)


def test_rabbitmq_amqp_handshake(rendered_seed: RenderedPlatform, home: Path) -> None:
    """The AMQP 0-9-1 header out through busybox nc, Connection.Start back from RabbitMQ 3.10."""
    probe: HelmTestPod = helm_test(rendered_seed, "rabbitmq")
    assert probe.image == NC_IMAGE and probe.command[:2] == ["sh", "-c"]
    path = _busybox_path(home)
    other = NotAmqp()
    try:
        fails(run_probe(localize(probe.command, probe.host, probe.port, other.port), path, home))
    finally:
        other.close()
    with rabbitmq_server() as broker:
        command = localize(probe.command, probe.host, probe.port, broker.port)
        passes(run_probe(command, path, home))
        broker.stop()
        fails(run_probe(command, path, home))


def test_vault_health_with_curl(rendered_seed: RenderedPlatform, home: Path) -> None:
    """curl -f on /v1/sys/health of a real OpenBao serving TLS, verified with the CA the test pod mounts (the
    bootstrap CA's copy; here the server's own test CA): 200 unsealed; 503 sealed and refused stopped both fail it,
    and so does the same probe against a server whose certificate another CA signed."""
    probe = helm_test(rendered_seed, "vault")
    assert probe.command[0] == "curl" and probe.command[-1].endswith("/v1/sys/health")
    assert probe.command[-1].startswith("https://") and "--insecure" not in probe.command
    path = [str(Path(system_tool("curl", "/usr/bin")).parent)]
    mounted = probe.command[probe.command.index("--cacert") + 1]
    with real_bao("static") as bao:
        answer = requests.put(
            f"{bao.address}/v1/sys/init", json={"recovery_shares": 1, "recovery_threshold": 1}, verify=str(bao.ca)
        )
        token = answer.json()["root_token"]
        port = int(bao.address.rsplit(":", 1)[1])
        command = [str(bao.ca) if a == mounted else a for a in localize(probe.command, probe.host, probe.port, port)]
        wait_until(lambda: run_probe(command, path, home).returncode == 0, "OpenBao active", [bao.proc])
        other = write_tls(home)[0]  # a CA that did not sign the server's certificate
        fails(run_probe([str(other) if a == str(bao.ca) else a for a in command], path, home))
        requests.put(f"{bao.address}/v1/sys/seal", headers={"X-Vault-Token": token}, verify=str(bao.ca))
        fails(run_probe(command, path, home))
        bao.proc.stop()
        fails(run_probe(command, path, home))
