"""DNS under default deny: pods reach CoreDNS and, where the installer runs one, the node-local DNS cache."""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest

from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Namespace
from hearth.render.network import namespace_policies
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.verify.reach import build_matrix, parse_port_spec


@pytest.mark.parametrize(("cache", "peers"), [(None, []), (IPv4Address("169.254.25.10"), ["169.254.25.10/32"])])
def test_allow_dns_admits_the_node_cache_only_when_there_is_one(cache: IPv4Address | None, peers: list[str]) -> None:
    _, dns = namespace_policies(Namespace(name="apps"), cache)
    (rule,) = dns["spec"]["egress"]
    assert [p["ipBlock"]["cidr"] for p in rule["to"] if "ipBlock" in p] == peers
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def test_seed_pods_resolve_through_kubesprays_node_cache_and_nothing_beside_it() -> None:
    """Measured with the reach evaluator: 169.254.25.10:53 is open to a pod of every managed namespace; the next
    address and another port are not."""
    rendered = render_platform(resolve(load_catalog(None)))
    docs = [m for chart in rendered.charts.values() for m in chart.manifests]
    probes = [parse_port_spec("53/UDP"), parse_port_spec("53/TCP"), parse_port_spec("80/TCP")]
    matrix = build_matrix(docs, probes, ["169.254.25.10", "169.254.25.11"])
    for pod in ("content/ghost", "db/postgresql", "utilities/vert"):
        assert matrix.allowed(pod, "169.254.25.10", 53, "UDP") and matrix.allowed(pod, "169.254.25.10", 53, "TCP")
        assert not matrix.allowed(pod, "169.254.25.11", 53, "UDP")
        assert not matrix.allowed(pod, "169.254.25.10", 80, "TCP")
