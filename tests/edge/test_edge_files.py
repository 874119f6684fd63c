"""The gateway VPS's files (hearth.edge): what they publish, where they read secrets, and the real docker-compose."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.edge.public import public_hosts
from hearth.edge.render import (
    BLUEPRINT,
    COMPOSE_FILE,
    PANGOLIN_CONFIG,
    SITE_ADDRESS_ENV,
    TRAEFIK_DYNAMIC,
    TRAEFIK_STATIC,
    render_edge,
)
from hearth.render.platform import FILE_RENDERERS
from hearth.resolve import resolve
from hearth.resolve.records import Resolved
from tools import tool


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog())


@pytest.fixture(scope="module")
def files(seed: Resolved) -> dict[str, str]:
    """``build/gateway/`` of the seed platform."""
    return render_edge(seed)


def _doc(files: dict[str, str], path: str) -> dict[str, Any]:
    data = yaml.safe_load(files[path])
    assert isinstance(data, dict)
    return data


def test_edge_files_are_a_file_renderer() -> None:
    """``hearth render`` writes build/gateway/ through the one list of plain-file renderers."""
    assert render_edge in FILE_RENDERERS


def test_every_public_hostname_is_a_pangolin_resource_and_an_edge_router_exactly_once(
    seed: Resolved, files: dict[str, str]
) -> None:
    """One Pangolin resource and one websecure router per component with ``web``, named <web.host>.<domain>."""
    expected = sorted(f"{c.web.host}.{seed.catalog.platform.domain}" for c in seed.catalog.components.values() if c.web)
    assert [h.host for h in public_hosts(seed)] == expected
    resources = _doc(files, BLUEPRINT)["proxy-resources"]
    domains = [r["full-domain"] for r in resources.values() if r["protocol"] == "http"]
    assert sorted(domains) == expected
    routers = _doc(files, TRAEFIK_DYNAMIC)["http"]["routers"]
    ruled = sorted(r["rule"] for n, r in routers.items() if not n.startswith(("pangolin-", "redirect-")))
    assert ruled == sorted(f"Host(`{h}`)" for h in expected)


def test_http_resources_target_the_cluster_traefiks_tls_service_port(files: dict[str, str]) -> None:
    """Newt forwards to the Service the Traefik chart creates (websecure exposed on 443), over HTTPS."""
    targets = [r["targets"] for r in _doc(files, BLUEPRINT)["proxy-resources"].values() if r["protocol"] == "http"]
    assert {(t["hostname"], t["port"], t["method"]) for ts in targets for t in ts} == {
        ("traefik.ingress.svc.cluster.local", 443, "https")
    }


@pytest.mark.parametrize(
    ("name", "port"),
    [("stalwart-smtp", 25), ("stalwart-submissions", 465), ("stalwart-submission", 587), ("stalwart-imaps", 993)],
)
def test_mail_ports_are_raw_tcp_through_gateway(files: dict[str, str], name: str, port: int) -> None:
    """Each port Stalwart lists in public_tcp: a Pangolin TCP resource (to the cluster Traefik's TCP entrypoint
    for the port, tests/edge/test_mail_tcp.py), an edge entrypoint, a router, a published port."""
    resource = _doc(files, BLUEPRINT)["proxy-resources"][name]
    assert (resource["protocol"], resource["proxy-port"]) == ("tcp", port)
    assert (resource["targets"][0]["hostname"], resource["targets"][0]["port"]) == (
        "traefik.ingress.svc.cluster.local",
        port,
    )
    assert _doc(files, TRAEFIK_STATIC)["entryPoints"][f"tcp-{port}"] == {"address": f":{port}/tcp"}
    assert _doc(files, TRAEFIK_DYNAMIC)["tcp"]["routers"][name]["entryPoints"] == [f"tcp-{port}"]
    assert f"{port}:{port}" in _doc(files, COMPOSE_FILE)["services"]["gerbil"]["ports"]


def test_wireguard_parameters_come_from_the_gateway(seed: Resolved, files: dict[str, str]) -> None:
    """Gerbil listens on gateway.listen_port; its block is the seed's tunnel subnet, its endpoint the public IP."""
    gateway = seed.catalog.platform.gateway
    gerbil = _doc(files, PANGOLIN_CONFIG)["gerbil"]
    assert gerbil["start_port"] == gateway.listen_port
    assert gerbil["base_endpoint"] == str(gateway.public_ip)
    assert gerbil["subnet_group"] == str(gateway.wireguard_subnet)
    assert gerbil["block_size"] == gateway.wireguard_subnet.prefixlen
    # Gerbil takes the first address of its block: the seed's stated wireguard_address.
    assert next(gateway.wireguard_subnet.hosts()) == gateway.wireguard_address
    assert (
        f"{gateway.listen_port}:{gateway.listen_port}/udp" in _doc(files, COMPOSE_FILE)["services"]["gerbil"]["ports"]
    )
    assert "10.99.0.10" in files[PANGOLIN_CONFIG]  # reported as not applied, in the header comment only
    assert "10.99.0.10" not in yaml.safe_dump(_doc(files, PANGOLIN_CONFIG))


def test_no_secret_in_the_edge_files(files: dict[str, str]) -> None:
    """Pangolin's server.secret and every key are left to the operator: the files carry no value for them."""
    pangolin = _doc(files, PANGOLIN_CONFIG)
    assert "secret" not in pangolin["server"]
    for path, text in files.items():
        assert "BEGIN " not in text and "password" not in text.lower(), path


@pytest.mark.parametrize(("tls", "resolver"), [("acme", True), ("operator", False)])
def test_tls_by_acme_or_operator_certificate(seed: Resolved, tls: str, resolver: bool) -> None:
    """ACME: a Let's Encrypt resolver on every router; operator: certificate files, and no resolver at all."""
    platform = seed.catalog.platform.model_copy(
        update={"gateway": seed.catalog.platform.gateway.model_copy(update={"tls": tls})}
    )
    out = render_edge(resolve(seed.catalog.model_copy(update={"platform": platform})))
    static, dynamic = yaml.safe_load(out[TRAEFIK_STATIC]), yaml.safe_load(out[TRAEFIK_DYNAMIC])
    assert ("certificatesResolvers" in static) is resolver
    assert ("letsencrypt" in out[TRAEFIK_DYNAMIC]) is resolver
    assert ("tls" in dynamic) is (not resolver)


def _compose(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != SITE_ADDRESS_ENV}
    return subprocess.run(
        [tool("docker-compose"), "config", "-q"],
        cwd=directory,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_passes_docker_compose_config(files: dict[str, str], tmp_path: Path) -> None:
    """Debian's docker-compose accepts the file; without the site address it refuses, naming the variable."""
    (tmp_path / "docker-compose.yml").write_text(files[COMPOSE_FILE], encoding="utf-8")
    ok = _compose(tmp_path, {SITE_ADDRESS_ENV: "100.89.137.4"})
    assert ok.returncode == 0, ok.stderr
    missing = _compose(tmp_path, {})
    assert missing.returncode != 0
    assert SITE_ADDRESS_ENV in missing.stderr
