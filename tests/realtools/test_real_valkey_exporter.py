"""The Valkey pod's exporter logs in once the default user has a password: the agent template the pod carries for
it, rendered by a real bao agent from the Valkey entry, is the password file Debian's redis_exporter reads with the
sidecar's own args, against a real redis-server that requires that password (as hearth bootstrap leaves it)."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from realtools_render import INJECT
from realtools_servers import LOOPBACK, bao_agent_render, bao_server, free_port, redis_server, system_tool

from hearth.bootstrap.resp import Resp
from hearth.render.model import RenderedPlatform

PASSWORD = "exporter-test-password-not-real"


def _valkey_pod(seed: RenderedPlatform) -> dict[str, Any]:
    (sts,) = [m for m in seed.charts["valkey"].manifests if m["kind"] == "StatefulSet"]
    template: dict[str, Any] = sts["spec"]["template"]
    return template


def _redis_up(port: int, deadline: float = 20.0) -> str:
    """The exporter's ``redis_up`` line, once it has scraped (it answers before its first scrape finishes)."""
    end = time.monotonic() + deadline
    line = ""
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/metrics", timeout=5) as reply:
                text = reply.read().decode()
            line = next((x for x in text.splitlines() if x.startswith("redis_up ")), "")
            if line:
                return line
        except OSError:
            pass
        time.sleep(0.3)
    return line


def test_the_exporter_reads_the_rendered_password_file_and_scrapes(
    rendered_seed: RenderedPlatform, tmp_path: Path
) -> None:
    work = tmp_path
    pod = _valkey_pod(rendered_seed)
    annotations = pod["metadata"]["annotations"]
    (exporter,) = [c for c in pod["spec"]["containers"] if c["name"] == "exporter"]
    (flag,) = [a for a in exporter["args"] if a.startswith("--redis.password-file=")]
    file = flag.split("=", 1)[1].removeprefix("/vault/secrets/")
    path, template = (
        annotations[f"{INJECT}/agent-inject-secret-{file}"],
        annotations[f"{INJECT}/agent-inject-template-{file}"],
    )
    with bao_server() as bao:
        bao.must("POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
        bao.must("POST", path, {"data": {"requirepass": PASSWORD}})
        bao.must("PUT", "sys/policies/acl/valkey", {"policy": rendered_seed.files["vault/policies/valkey.hcl"]})
        token = bao.must("POST", "auth/token/create", {"policies": ["valkey"]})["auth"]["client_token"]
        rendered = bao_agent_render(bao, token, {file: template}, work)[file]
    with redis_server() as server:
        setter = Resp(f"{LOOPBACK}:{server.port}")
        try:
            setter.call("ACL", "SETUSER", "default", "resetpass", f">{PASSWORD}")
        finally:
            setter.close()
        # The pod's exporter reaches the server on 127.0.0.1:6379; here the server has a port of its own.
        (work / file).write_text(rendered.replace("127.0.0.1:6379", f"{LOOPBACK}:{server.port}"))
        assert f"{LOOPBACK}:{server.port}" in (work / file).read_text(), rendered
        for password_file, expected in ((work / file, "redis_up 1"), (work / "empty.json", "redis_up 0")):
            if not password_file.exists():
                password_file.write_text("{}")
            port = free_port()
            args = [a for a in exporter["args"] if not a.startswith("--redis.password-file=")]
            argv = [system_tool("prometheus-redis-exporter", "/usr/bin"), *args]
            argv += [f"--redis.password-file={password_file}", f"--web.listen-address={LOOPBACK}:{port}"]
            argv += [f"--redis.addr=redis://{LOOPBACK}:{server.port}"]
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                assert _redis_up(port) == expected, password_file.read_text()
            finally:
                proc.terminate()
                proc.wait(timeout=10)
