"""The public API of hearth.verify.reach: input parsing, errors, queries, JSON and rendering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.table import Table

from hearth.verify.build.manifests import ManifestError
from hearth.verify.reach import (
    Probe,
    ReachInputError,
    build_matrix,
    parse_peer_ip,
    parse_port_spec,
    render_table,
    run_reach,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "netpol"


def _pod(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
    }


def _policy(name: str, spec: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("spec", "probe"),
    [("5432/TCP", Probe(5432, "TCP")), ("53/udp", Probe(53, "UDP")), ("80", Probe(80)), (" 1/SCTP ", Probe(1, "SCTP"))],
)
def test_parse_port_spec(spec: str, probe: Probe) -> None:
    """PORT[/PROTO], protocol case-insensitive and TCP by default."""
    assert parse_port_spec(spec) == probe


@pytest.mark.parametrize("spec", ["", "http", "0", "65536", "80/ICMP", "80/", "-1/TCP", "80/TCP/x"])
def test_parse_port_spec_rejects(spec: str) -> None:
    """Bad port specs raise one clear line naming the spec."""
    with pytest.raises(ReachInputError, match="port") as info:
        parse_port_spec(spec)
    assert "\n" not in str(info.value)


def test_parse_peer_ip() -> None:
    """IPv4 and IPv6 are accepted and canonicalised; anything else is rejected."""
    assert parse_peer_ip("192.0.2.1") == "192.0.2.1"
    assert parse_peer_ip("2001:DB8:0::1") == "2001:db8::1"
    for bad in ("192.0.2.0/24", "host.example", "300.1.1.1", ""):
        with pytest.raises(ReachInputError, match="peer IP"):
            parse_peer_ip(bad)


def test_run_reach_input_errors(tmp_path: Path) -> None:
    """run_reach reports bad ports, IPs and paths as ValueErrors with one line."""
    with pytest.raises(ReachInputError):
        run_reach([FIXTURES / "docs-default-deny-all.yaml"], ["nope"], [])
    with pytest.raises(ReachInputError):
        run_reach([FIXTURES / "docs-default-deny-all.yaml"], [], ["nope"])
    with pytest.raises(ManifestError):
        run_reach([tmp_path / "missing"], [], [])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}}, "operator"),
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}, "needs values"),
        ({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}}, "no values"),
        ({"podSelector": {"matchLabels": {"tier": 1}}}, "string"),
        ({"podSelector": {}, "policyTypes": ["Sideways"]}, "policyTypes"),
        (
            {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
            "ipBlock",
        ),
        ({"podSelector": {}, "ingress": [{"from": [{}]}]}, "peer"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]}, "ipBlock"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {}}]}]}, "cidr"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": "http", "endPort": 90}]}]}, "endPort"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 90, "endPort": 80}]}]}, "endPort"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 90, "protocol": "ICMP"}]}]}, "protocol"),
        ({"podSelector": {}, "ingress": [{"ports": [{"port": 1.5}]}]}, "port"),
        ({"podSelector": {}, "ingress": {"from": []}}, "expected a list"),
        ("nonsense", "expected a mapping"),
    ],
)
def test_invalid_policies_are_one_line_manifest_errors(tmp_path: Path, spec: Any, message: str) -> None:
    """What the API server would reject is a ManifestError at FILE:LINE, not a crash."""
    path = tmp_path / "np.yaml"
    path.write_text(json.dumps(_pod("a")) + "\n---\n" + json.dumps(_policy("p", spec)) + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as info:
        run_reach([path], [], [])
    assert str(info.value).startswith(f"{path}:3: ")
    assert "\n" not in str(info.value)


def test_invalid_pods_are_manifest_errors() -> None:
    """Bad container ports, pod IPs and names are reported, not ignored."""
    bad_port = _pod("a")
    bad_port["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    bad_ip = {**_pod("b"), "status": {"podIP": "10.0.0.300"}}
    nameless = {"apiVersion": "v1", "kind": "Pod", "metadata": {}}
    for doc, message in ((bad_port, "containerPort"), (bad_ip, "pod IP"), (nameless, "metadata.name")):
        with pytest.raises(ManifestError, match=message):
            build_matrix([doc])


def test_endpoint_name_collision_between_kinds_is_an_error() -> None:
    """A Pod and a Deployment both named default/web would be one endpoint name for two pods."""
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}}},
    }
    with pytest.raises(ManifestError, match="same endpoint name"):
        build_matrix([_pod("web"), deployment])


def test_same_object_twice_last_one_wins() -> None:
    """Re-declaring the same kind/namespace/name replaces it, as a later ``kubectl apply`` would."""
    matrix = build_matrix(
        [
            _pod("a", app="old"),
            _pod("b"),
            _pod("a", app="new"),
            _policy("p", {"podSelector": {"matchLabels": {"app": "old"}}}),
            _policy("p", {"podSelector": {"matchLabels": {"app": "new"}}}),
        ]
    )
    assert [e.name for e in matrix.endpoints] == ["default/a", "default/b"]
    assert matrix.endpoints[0].labels == {"app": "new"}
    assert matrix.ingress_isolated("default/a")
    assert not matrix.allowed("default/b", "default/a", 80)


def test_queries_on_unprobed_ports_and_unknown_endpoints() -> None:
    """allowed() answers any port, computing it on demand; unknown names are input errors."""
    matrix = build_matrix(
        [
            _pod("a"),
            _pod("b"),
            _policy("p", {"podSelector": {}, "ingress": [{"ports": [{"port": 9000, "endPort": 9100}]}]}),
        ],
        peer_ips=["192.0.2.1"],
    )
    assert matrix.probes("default/a") == (Probe(80, "TCP"),)
    assert not matrix.allowed("default/b", "default/a", 80)
    assert matrix.allowed("default/b", "default/a", 9050, "tcp")
    assert not matrix.allowed("default/b", "default/a", 9050, "UDP")
    assert not matrix.allowed("default/a", "default/a", 9050)
    assert matrix.allowed_sources("default/a", 9050) == ["default/b", "192.0.2.1"]
    assert matrix.allowed("default/a", "192.0.2.1", 443)
    with pytest.raises(ReachInputError, match="unknown endpoint"):
        matrix.allowed("default/zz", "default/a", 80)


def test_peer_ip_rows_only_with_ports_and_never_between_two_outside_ips() -> None:
    """An outside destination has no declared ports; two outside IPs are never paired."""
    docs = [_pod("a")]
    names = {(c.src, c.dst) for c in build_matrix(docs, None, ["192.0.2.1", "192.0.2.2"]).connections()}
    assert names == {("192.0.2.1", "default/a"), ("192.0.2.2", "default/a")}
    matrix = build_matrix(docs, [Probe(80)], ["192.0.2.2", "2001:db8::1", "192.0.2.1"])
    assert [e.name for e in matrix.endpoints] == ["default/a", "192.0.2.1", "192.0.2.2", "2001:db8::1"]
    pairs = [(c.src, c.dst) for c in matrix.connections()]
    assert len(pairs) == 6 and all("default/a" in pair for pair in pairs)
    assert matrix.allowed("2001:db8::1", "default/a", 80)


def test_order_is_deterministic_and_sorted() -> None:
    """Rows come by source, destination (endpoint order) and probe, whatever the input order."""
    docs = [_pod("c"), _pod("a", namespace="z"), _pod("b")]
    first = [(c.src, c.dst, c.port) for c in build_matrix(docs, [Probe(81), Probe(80)]).connections()]
    second = [(c.src, c.dst, c.port) for c in build_matrix(list(reversed(docs)), [Probe(80), Probe(81)]).connections()]
    assert first == second
    order = {"default/b": 0, "default/c": 1, "z/a": 2}
    assert first == sorted(first, key=lambda row: (order[row[0]], order[row[1]], row[2]))


def test_workload_probes_include_sidecars_but_not_init_containers() -> None:
    """Declared ports come from containers and restartPolicy: Always init containers."""
    result = run_reach([FIXTURES / "model-workloads-declared-ports.yaml"], [], [])
    assert result.matrix.probes("apps/api") == (Probe(8080), Probe(15000))
    assert result.matrix.probes("jobs/report") == (Probe(7001, "SCTP"),)
    assert result.matrix.egress_isolated("apps/web") and not result.matrix.egress_isolated("apps/api")


def test_json_and_table() -> None:
    """to_json has the documented shape; dumps is valid JSON; the table has a row per connection."""
    result = run_reach([FIXTURES / "docs-test-network-policy.yaml"], ["6379/TCP"], ["172.17.0.5"])
    data = result.to_json()
    assert set(data) == {"connections"}
    first = data["connections"][0]
    assert list(first) == ["from", "to", "port", "protocol", "allowed"]
    assert json.loads(result.dumps()) == data
    assert {"from": "172.17.0.5", "to": "default/db", "port": 6379, "protocol": "TCP", "allowed": True} in (
        data["connections"]
    )
    table = render_table(result)
    assert isinstance(table, Table) and table.row_count == len(result.connections)
    allowed = render_table(result, allowed_only=True, title="allowed")
    assert allowed.row_count == sum(c.allowed for c in result.connections)


# A platform whose verdicts depend on outside endpoints: the web takes ingress from 10.0.0.0/8 except 10.9.0.0/16,
# the db only from the web, and the web's egress goes to the db and to 203.0.113.0/24 on 443.
_OUTSIDE_DOCS = [
    _pod("web", app="web"),
    _pod("db", app="db"),
    _pod("other", app="other"),
    _policy(
        "web",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.9.0.0/16"]}}]}],
            "egress": [
                {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]},
                {"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}], "ports": [{"port": 443}]},
            ],
        },
    ),
    _policy("db", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"from": [{"podSelector": {}}]}]}),
]
_ALL_OUTSIDE = ["10.1.2.3", "10.9.0.1", "203.0.113.10", "192.0.2.1"]


@pytest.mark.parametrize("peers", [[], ["10.1.2.3"], ["203.0.113.10", "10.9.0.1"], _ALL_OUTSIDE])
@pytest.mark.parametrize("ports", [None, [Probe(443), Probe(80)]])
def test_a_restricted_matrix_answers_as_its_own(peers: list[str], ports: list[Probe] | None) -> None:
    """One matrix built with every outside endpoint, restricted to some, answers as a matrix built with only
    those: the same endpoints, rows, allowed flows and verdicts (how hearth check shares one per run)."""
    own = build_matrix(_OUTSIDE_DOCS, ports, peers)
    view = build_matrix(_OUTSIDE_DOCS, ports, _ALL_OUTSIDE).restricted(peers)
    assert [e.name for e in view.endpoints] == [e.name for e in own.endpoints]
    assert list(view.connections()) == list(own.connections())
    assert list(view.allowed_flows()) == list(own.allowed_flows())
    names = [e.name for e in own.endpoints]
    for src in names:
        for dst in names:
            for port in (80, 443):
                assert view.allowed(src, dst, port) == own.allowed(src, dst, port)
                assert view.sides(src, dst, port) == own.sides(src, dst, port)
        assert view.allowed_sources(src, 443) == own.allowed_sources(src, 443)
    hidden = sorted(set(_ALL_OUTSIDE) - set(peers))
    for name in hidden:  # the others are unknown to the view, as to a matrix built without them
        with pytest.raises(ReachInputError, match="unknown endpoint"):
            view.allowed(name, "default/web", 80)
    with pytest.raises(ReachInputError, match="unknown endpoint"):
        build_matrix(_OUTSIDE_DOCS, ports, peers).restricted(["198.51.100.1"])
