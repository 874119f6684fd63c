"""North-south and egress on the seed: the tunnel reaches Traefik and the gateway; only declared pods leave.

Measured with ``hearth reach`` over the rendered manifests, with the gateway's public address and an arbitrary
internet address as outside peers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tools import RunHearth

GATEWAY = "80.90.178.207"
INTERNET = "1.1.1.1"
PORTS = ["443/TCP", "51820/UDP", "8000/TCP", "8443/TCP", "25/TCP"]


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory, hearth: RunHearth) -> Path:
    """The seed platform rendered once for this module."""
    out = tmp_path_factory.mktemp("ns") / "build"
    result = hearth("render", "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    return out


def _allowed(hearth: RunHearth, build: Path) -> set[tuple[str, str, int, str]]:
    args = ["reach", str(build / "manifests"), str(build / "cluster"), "--peer-ip", GATEWAY, "--peer-ip", INTERNET]
    for port in PORTS:
        args += ["--port", port]
    result = hearth(*args, "-o", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["connections"]
    return {(r["from"], r["to"], r["port"], r["protocol"]) for r in rows if r["allowed"]}


@pytest.mark.parametrize(
    "flow",
    [
        ("infrastructure/pangolin", "ingress/traefik-traefik", 8000, "TCP"),
        ("infrastructure/pangolin", "ingress/traefik-traefik", 8443, "TCP"),
        ("infrastructure/pangolin", GATEWAY, 443, "TCP"),
        ("infrastructure/pangolin", GATEWAY, 51820, "UDP"),
        ("service/monitoring-alertmanager", INTERNET, 443, "TCP"),
        ("social/stalwart", INTERNET, 25, "TCP"),
    ],
)
def test_declared_north_south_and_egress_is_open(
    hearth: RunHearth, seed_build: Path, flow: tuple[str, str, int, str]
) -> None:
    """The connector reaches Traefik's entrypoints and the gateway; declared internet egress is open."""
    assert flow in _allowed(hearth, seed_build)


def test_only_declared_pods_reach_outside(hearth: RunHearth, seed_build: Path) -> None:
    """In the namespaces hearth manages, exactly the declared pods reach outside addresses, on declared ports."""
    outside = {
        (src, dst, port, proto)
        for src, dst, port, proto in _allowed(hearth, seed_build)
        if dst in (GATEWAY, INTERNET) and not src.startswith("kube-system/")
    }
    assert outside == {
        ("infrastructure/pangolin", GATEWAY, 443, "TCP"),
        ("infrastructure/pangolin", GATEWAY, 51820, "UDP"),
        # the internet egress is any public address, the gateway's included
        ("service/monitoring-alertmanager", INTERNET, 443, "TCP"),
        ("service/monitoring-alertmanager", GATEWAY, 443, "TCP"),
        ("service/monitoring-grafana", INTERNET, 443, "TCP"),
        ("service/monitoring-grafana", GATEWAY, 443, "TCP"),
        ("social/stalwart", INTERNET, 25, "TCP"),
        ("social/stalwart", GATEWAY, 25, "TCP"),
    }


def test_removing_the_connector_policy_closes_the_front_door(
    hearth: RunHearth, seed_build: Path, tmp_path: Path
) -> None:
    """Without the connector's own policy, default deny leaves it no way to Traefik or the gateway."""
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    for path in (seed_build / "manifests").glob("*.yaml"):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        kept = [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "pangolin")]
        (manifests / path.name).write_text(yaml.safe_dump_all(kept))
    build = tmp_path
    (build / "cluster").symlink_to(seed_build / "cluster")
    allowed = _allowed(hearth, build)
    assert not {f for f in allowed if f[0] == "infrastructure/pangolin"}


def test_the_dashboard_routes_to_api_internal(seed_build: Path) -> None:
    """Traefik's dashboard route targets api@internal, which the chart serves, not a port its Service lacks."""
    route = yaml.safe_load((seed_build / "charts/traefik-hearth/templates/ingressroute-traefik.yaml").read_text())
    assert route["spec"]["routes"][0]["services"] == [{"kind": "TraefikService", "name": "api@internal"}]


def test_a_need_that_wires_nothing_is_refused(hearth: RunHearth, tmp_path: Path) -> None:
    """A need on a provider with no capability the consumer uses, and no order_only reason, is exit 2, one line."""
    catalog = tmp_path / "catalog"
    assert hearth("init", str(catalog)).exit_code == 0
    hub = catalog / "services/code/hub.yaml"
    text = hub.read_text()
    hub.write_text(text.replace("provides:\n  - {capability: hub-auth, port: http}\n", ""))
    result = hearth("validate", "--platform", str(catalog))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "youtrack.yaml:" in lines[0] and "needs[2]: hub provides nothing youtrack connects to" in lines[0]


def test_order_only_states_why(hearth: RunHearth, tmp_path: Path) -> None:
    """The same need with an order_only reason validates."""
    catalog = tmp_path / "catalog"
    assert hearth("init", str(catalog)).exit_code == 0
    hub = catalog / "services/code/hub.yaml"
    hub.write_text(hub.read_text().replace("provides:\n  - {capability: hub-auth, port: http}\n", ""))
    youtrack = catalog / "services/code/youtrack.yaml"
    text = youtrack.read_text()
    reason = "  hub: YouTrack is configured against Hub only after both are up\n"
    assert "\norder_only:\n" in text
    youtrack.write_text(text.replace("\norder_only:\n", "\norder_only:\n" + reason, 1))
    assert hearth("validate", "--platform", str(catalog)).exit_code == 0


def test_another_domain_leaves_the_seeds_nowhere(hearth: RunHearth, tmp_path: Path) -> None:
    """The domain is stated once: every URL and host the applications are configured with follows it."""
    catalog = tmp_path / "catalog"
    assert hearth("init", str(catalog)).exit_code == 0
    platform = catalog / "platform.yaml"
    platform.write_text(platform.read_text().replace("domain: platform.home.arpa", "domain: example.org"))
    out = tmp_path / "build"
    result = hearth("render", "--platform", str(catalog), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    stale = [p for p in out.rglob("*") if p.is_file() and "home.arpa" in p.read_text(encoding="utf-8")]
    assert stale == []
    values = (out / "values/nextcloud.yaml").read_text()
    assert "nextcloud.example.org" in values


def test_an_unknown_placeholder_is_refused(hearth: RunHearth, tmp_path: Path) -> None:
    """A placeholder the build cannot fill is a catalog error at its line, not a literal in a manifest."""
    catalog = tmp_path / "catalog"
    assert hearth("init", str(catalog)).exit_code == 0
    ghost = catalog / "services/content/ghost.yaml"
    ghost.write_text(ghost.read_text().replace("https://blog.${domain}", "https://blog.${domian}"))
    result = hearth("validate", "--platform", str(catalog))
    assert result.exit_code == 2
    assert "ghost.yaml:" in result.output and "unknown placeholder ${domian}" in result.output


def _without_connector_policy(seed_build: Path, tmp_path: Path) -> Path:
    import shutil

    build = tmp_path / "build"
    shutil.copytree(seed_build, build)
    path = build / "manifests/pangolin.yaml"
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    kept = [d for d in docs if not (d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "pangolin")]
    path.write_text(yaml.safe_dump_all(kept))
    for stamp in (".hearth-build", ".hearth-index"):  # edited by hand now: audited as it is, not against its index
        (build / stamp).unlink()
    return build


def test_check_north_south_passes_on_the_seed(seed_build: Path) -> None:
    """Every public hostname is reachable through the tunnel, every declared exit open, no undeclared exit."""
    from hearth.verify.report import run_check

    section = run_check(seed_build).north_south
    assert not section.failed, section.to_json()
    assert "grafana.platform.home.arpa" in section.hostnames
    assert len(section.egress) >= 4 and section.undeclared == []


def test_check_north_south_names_the_hostnames_lost(seed_build: Path, tmp_path: Path) -> None:
    """Removing the connector's policy makes the section fail, naming each dark hostname."""
    from hearth.verify.report import run_check

    section = run_check(_without_connector_policy(seed_build, tmp_path)).north_south
    assert section.failed
    dark = {host for host, why in section.hostnames.items() if why}
    assert dark == set(section.hostnames) and "nextcloud.platform.home.arpa" in dark
    assert any(why == "denied" for _, _, why in section.egress)
