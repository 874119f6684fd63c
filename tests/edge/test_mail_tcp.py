"""Stalwart's mail ports through the tunnel: gateway -> Newt -> cluster Traefik TCP entrypoint -> Stalwart.

Each port a component lists in ``public_tcp`` is a Pangolin raw TCP resource targeting the cluster Traefik's
Service on that port, a Traefik entrypoint (container port above 1024, Service port the mail port), and an
IngressRouteTCP to the component; the NetworkPolicies allow Newt -> Traefik and Traefik -> Stalwart on exactly
those ports, and the north-south audit measures each route.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.edge.render import BLUEPRINT
from hearth.render.ingress import tcp_routes
from hearth.resolve import resolve
from hearth.resolve.endpoints import tcp_entrypoint
from hearth.resolve.records import Resolved
from hearth.verify.build.audit import load_build
from hearth.verify.reach import build_matrix
from hearth.verify.zero_trust.north_south import audit_north_south

MAIL = {"smtp": 25, "submissions": 465, "submission": 587, "imaps": 993}
# Stalwart's listeners that read the router's PROXY v2 header (stalwart.yaml proxy_protocol), one per mail port.
PROXIED = {"smtp": 10025, "submissions": 10465, "submission": 10587, "imaps": 10993}


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog(None))


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mail") / "build"
    render(load_catalog(None), out)
    return out


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@pytest.mark.parametrize(("name", "number"), sorted(MAIL.items()))
def test_each_mail_port_has_a_traefik_entrypoint(seed: Resolved, name: str, number: int) -> None:
    entry = tcp_entrypoint(seed, number)
    assert entry is not None and entry.port.name == name and entry.port.port > 1024
    assert entry.pod.service_port(entry.port) == number


def test_ingressroutetcp_per_published_port(seed_build: Path) -> None:
    """Each mail entrypoint routes to Stalwart's proxied listener for the port, sending a PROXY v2 header there."""
    docs = _docs(seed_build / "manifests/stalwart.yaml")
    routes = {d["metadata"]["name"]: d for d in docs if d["kind"] == "IngressRouteTCP"}
    assert sorted(routes) == sorted(f"stalwart-{n}" for n in MAIL)
    for name, number in PROXIED.items():
        spec = routes[f"stalwart-{name}"]["spec"]
        assert spec["entryPoints"] == [name]
        service = {"name": "stalwart", "namespace": "social", "port": number}
        service["serversTransport"] = "stalwart-proxy-protocol"
        assert spec["routes"] == [{"match": "HostSNI(`*`)", "services": [service]}]
    transports = [d for d in docs if d["kind"] == "ServersTransportTCP"]
    assert [(t["metadata"]["name"], t["metadata"]["namespace"], t["spec"]) for t in transports] == [
        ("stalwart-proxy-protocol", "social", {"proxyProtocol": {"version": 2}})
    ]


def test_a_component_without_proxy_protocol_gets_the_plain_route() -> None:
    """Without ``proxy_protocol`` the route goes to the public port itself, with no transport: the catalog decides."""
    catalog = load_catalog(None)
    stalwart = catalog.components["stalwart"].model_copy(update={"proxy_protocol": {}})
    resolved = resolve(catalog.model_copy(update={"components": {**catalog.components, "stalwart": stalwart}}))
    routes = tcp_routes(resolved, resolved.component("stalwart"))
    assert {r["kind"] for r in routes} == {"IngressRouteTCP"}
    assert sorted(r["spec"]["routes"][0]["services"][0]["port"] for r in routes) == sorted(MAIL.values())
    assert not any("serversTransport" in r["spec"]["routes"][0]["services"][0] for r in routes)


def test_traefik_values_open_the_entrypoints(seed_build: Path) -> None:
    ports = yaml.safe_load((seed_build / "values/traefik.yaml").read_text(encoding="utf-8"))["ports"]
    for name, number in MAIL.items():
        assert ports[name]["exposedPort"] == number and ports[name]["expose"] == {"default": True}
        # The gateway's PROXY v2 header is read only from the pod network (the Newt pods), stated as ${pod_cidr}.
        assert ports[name]["proxyProtocol"] == {"trustedIPs": [str(load_catalog(None).platform.pod_cidr)]}


def test_pangolin_resources_target_the_cluster_traefik(seed_build: Path) -> None:
    resources = yaml.safe_load((seed_build / BLUEPRINT).read_text(encoding="utf-8"))["proxy-resources"]
    for name, number in MAIL.items():
        resource = resources[f"stalwart-{name}"]
        assert resource["protocol"] == "tcp" and resource["proxy-port"] == number
        assert resource["targets"] == [
            {"hostname": "traefik.ingress.svc.cluster.local", "port": number, "internal-port": number}
        ]


@pytest.mark.parametrize(("name", "number"), sorted(MAIL.items()))
def test_policies_allow_newt_to_traefik_to_stalwart_only(seed_build: Path, name: str, number: int) -> None:
    matrix = build_matrix(load_build(seed_build).documents)
    container = {"smtp": 8025, "submissions": 8465, "submission": 8587, "imaps": 8993}[name]
    assert matrix.allowed("infrastructure/pangolin", "ingress/traefik-traefik", container)
    # The router reaches the proxied listener, never the plain port (which would take its header as mail).
    assert matrix.allowed("ingress/traefik-traefik", "social/stalwart", PROXIED[name])
    assert not matrix.allowed("ingress/traefik-traefik", "social/stalwart", number)
    assert not matrix.allowed("infrastructure/pangolin", "social/stalwart", number)
    assert not matrix.allowed("infrastructure/pangolin", "social/stalwart", PROXIED[name])


def test_north_south_measures_the_tcp_routes(seed_build: Path, tmp_path: Path) -> None:
    report = audit_north_south(load_build(seed_build))
    assert report.tcp_routes == {f"social/stalwart-{n} ({n})": "" for n in MAIL}
    broken = tmp_path / "build"
    shutil.copytree(seed_build, broken)
    path = broken / "manifests/stalwart.yaml"
    docs = [d for d in _docs(path) if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "stalwart")]
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    dark = audit_north_south(load_build(broken))
    assert dark.failed
    assert dark.tcp_routes["social/stalwart-smtp (smtp)"] == "the router may not reach social/stalwart on 10025/TCP"


def test_north_south_warns_of_a_tcp_route_that_loses_the_client_address(seed_build: Path, tmp_path: Path) -> None:
    """The seed's routes all send a PROXY header (no warning); without the ServersTransportTCP each route is warned
    about, naming its backend, and the section still passes (the mail flows, but with the router's address)."""
    assert audit_north_south(load_build(seed_build)).warnings == []
    broken = tmp_path / "build"
    shutil.copytree(seed_build, broken)
    path = broken / "manifests/stalwart.yaml"
    path.write_text(yaml.safe_dump_all([d for d in _docs(path) if d["kind"] != "ServersTransportTCP"]), "utf-8")
    report = audit_north_south(load_build(broken))
    assert not report.failed
    assert report.warnings == sorted(
        f"TCP social/stalwart-{name}: social/stalwart:{number} is not sent the client's address (no serversTransport"
        " with proxyProtocol); it sees the router as every client"
        for name, number in PROXIED.items()
    )
