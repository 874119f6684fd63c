"""``hearth doctor --online`` against servers of the test's own on loopback: a chart repository made by the real
helm (``helm package`` + ``helm repo index``) served over HTTP, an image registry's ``/v2/`` over TLS with a
certificate the test trusts, and a port nothing listens on. Each reachable one is ok, the refused one blocks with
its reason, and the upstream chart's ``kubeVersion`` fetched with ``helm show chart`` is judged against the
cluster's version."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from loopback_tls import self_signed_loopback_cert
from tools import RunHearth, tool

CHART_COMPONENT = """\
name: toy
display_name: Toy
namespace: apps
version: "1.0.0"
description: An upstream chart served by the test's own chart repository.
install:
  method: chart
  reason: The test's chart, to be fetched by doctor --online.
  chart: {{repo: "{repo}", name: toy, version: 1.0.0}}
  pods:
    - name: toy
      kind: Deployment
      labels: {{app: toy}}
      ports: [http]
      resources:
        requests: {{cpu: 10m, memory: 16Mi}}
        limits: {{cpu: 100m, memory: 64Mi}}
      source: the test's chart
ports:
  - {{name: http, port: 8080}}
tags: [base]
startup_seconds: 5
"""


class _Registry(http.server.BaseHTTPRequestHandler):
    """A registry's API root as an anonymous client sees it: 401 with a bearer challenge."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="https://127.0.0.1/token"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        return


def _serve(server: http.server.HTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def chart_repo(tmp_path: Path) -> Iterator[int]:
    """A chart repository holding ``toy`` 1.0.0, whose ``kubeVersion`` no v1.28 cluster satisfies."""
    source = tmp_path / "toy"
    (source / "templates").mkdir(parents=True)
    (source / "Chart.yaml").write_text(
        "apiVersion: v2\nname: toy\nversion: 1.0.0\nkubeVersion: '>=1.99.0-0'\n", encoding="utf-8"
    )
    repo = tmp_path / "repo"
    repo.mkdir()
    helm = tool("helm")
    subprocess.run([helm, "package", str(source), "-d", str(repo)], check=True, capture_output=True)
    subprocess.run([helm, "repo", "index", str(repo)], check=True, capture_output=True)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(repo))
    handler.log_message = lambda *_: None  # type: ignore[attr-defined]
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler))


@pytest.fixture
def tls_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A registry API root over TLS for 127.0.0.1, its self-signed certificate trusted through SSL_CERT_FILE."""
    cert_file, key_file = tmp_path / "registry.crt", tmp_path / "registry.key"
    self_signed_loopback_cert(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_online_doctor_reaches_each_repository_and_registry_and_judges_the_fetched_chart(
    tmp_path: Path, hearth: RunHearth, chart_repo: int, tls_registry: int
) -> None:
    assert hearth("init", "--blank", "c", cwd=tmp_path).exit_code == 0
    catalog = tmp_path / "c"
    refused = f"http://127.0.0.1:{_closed_port()}/openebs"
    platform = catalog / "platform.yaml"
    assert "\nprovisioning:" not in platform.read_text(encoding="utf-8")
    with platform.open("a", encoding="utf-8") as out:
        out.write(
            "provisioning:\n  hostpath_chart:\n"
            f"    {{repo: {refused}, name: localpv-provisioner, version: 4.1.1, namespace: openebs}}\n"
        )
    idp = catalog / "services" / "apps" / "idp.yaml"
    registry = f"127.0.0.1:{tls_registry}"
    idp.write_text(
        idp.read_text(encoding="utf-8").replace("registry.example/identity-provider", f"{registry}/idp"), "utf-8"
    )
    repo = f"http://127.0.0.1:{chart_repo}"
    (catalog / "services" / "apps" / "toy.yaml").write_text(CHART_COMPONENT.format(repo=repo), encoding="utf-8")

    result = hearth("doctor", "--online", "--platform", str(catalog), "-o", "json")
    assert result.exit_code == 1, result.output
    findings = {f["check"]: f for f in json.loads(result.stdout)["findings"]}

    assert findings[f"chart repository {repo}"]["verdict"] == "ok"
    assert findings[f"image registry {registry}"]["verdict"] == "ok"
    blocked = findings[f"chart repository {refused}"]
    assert blocked["verdict"] == "fail" and "refused" in blocked["detail"].lower(), blocked
    skew = findings["kubeVersion toy 1.0.0 (toy)"]
    assert skew["verdict"] == "fail" and skew["detail"] == "'>=1.99.0-0' vs cluster v1.28.5", skew
    assert not [f for f in findings.values() if f["stage"] == "online" and f["verdict"] == "skipped"]


def test_an_untrusted_registry_certificate_blocks(
    tmp_path: Path, hearth: RunHearth, tls_registry: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nothing-trusted.pem"))
    assert hearth("init", "--blank", "c", cwd=tmp_path).exit_code == 0
    idp = tmp_path / "c" / "services" / "apps" / "idp.yaml"
    registry = f"127.0.0.1:{tls_registry}"
    idp.write_text(
        idp.read_text(encoding="utf-8").replace("registry.example/identity-provider", f"{registry}/idp"), "utf-8"
    )
    result = hearth("doctor", "--online", "--platform", str(tmp_path / "c"), "-o", "json")
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["check"] == f"image registry {registry}"]
    assert finding["verdict"] == "fail" and "certificate" in finding["detail"].lower(), finding
