"""reach refuses what the API server refuses, naming file, document line and field; its JSON streams.

The cases come from the upstream validation: kubernetes/kubernetes ``pkg/apis/networking/validation/
validation_test.go`` (``TestValidateNetworkPolicy`` error cases: protocol ICMP, port 123456789, port name
``!@#$``, the selector key ``NoUppercaseOrSpecialCharsLike=Equals`` in spec.podSelector, from.podSelector and
from.namespaceSelector) and the rules of ``validation.go`` they exercise (``ValidateNetworkPolicyPort``'s
endPort checks, ``ValidateIPBlock``'s CIDR and strict-subset checks), plus kubectl's strict decoding of
duplicate keys.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.reach import build_matrix, run_reach
from tools import RunHearth

INVALID = "NoUppercaseOrSpecialCharsLike=Equals"


def _pod(name: str, namespace: str = "bar", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]},
    }


def _policy(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "foo", "namespace": "bar"},
        "spec": {"podSelector": {}, **spec},
    }


def _ports(*ports: dict[str, Any]) -> dict[str, Any]:
    return {"ingress": [{"ports": list(ports)}]}


def _from(peer: dict[str, Any]) -> dict[str, Any]:
    return {"ingress": [{"from": [peer]}]}


CASES: dict[str, tuple[dict[str, Any], str]] = {
    # TestValidateNetworkPolicy error cases
    "protocol ICMP": (
        _ports({"protocol": "ICMP", "port": 80}),
        "spec.ingress[0].ports[0].protocol: 'ICMP': supported values: TCP, UDP, SCTP",
    ),
    "port 123456789": (
        _ports({"protocol": "TCP", "port": 123456789}),
        "spec.ingress[0].ports[0].port: 123456789: must be between 1 and 65535, inclusive",
    ),
    "port name !@#$": (
        _ports({"protocol": "TCP", "port": "!@#$"}),
        "spec.ingress[0].ports[0].port: '!@#$': must contain only alpha-numeric characters",
    ),
    "invalid spec.podSelector": (
        {"podSelector": {"matchLabels": {INVALID: "b"}}},
        f"spec.podSelector.matchLabels: '{INVALID}': name part must be",
    ),
    "invalid from.podSelector": (
        _from({"podSelector": {"matchLabels": {INVALID: "b"}}}),
        f"spec.ingress[0].from[0].podSelector.matchLabels: '{INVALID}'",
    ),
    "invalid from.namespaceSelector": (
        _from({"namespaceSelector": {"matchLabels": {INVALID: "b"}}}),
        f"spec.ingress[0].from[0].namespaceSelector.matchLabels: '{INVALID}'",
    ),
    # ValidateNetworkPolicyPort
    "port 0": (_ports({"port": 0}), "spec.ingress[0].ports[0].port: 0: must be between 1 and 65535"),
    "port 65536": (_ports({"port": 65536}), "spec.ingress[0].ports[0].port: 65536: must be between 1 and 65535"),
    "port name too long": (_ports({"port": "a-very-long-port-name"}), "must be no more than 15 characters"),
    "port name without a letter": (_ports({"port": "123-4"}), "must contain at least one letter"),
    "port name with --": (_ports({"port": "a--b"}), "must not contain consecutive hyphens"),
    "port name ending in -": (_ports({"port": "http-"}), "must not begin or end with a hyphen"),
    "port name upper case": (_ports({"port": "HTTP"}), "must contain only alpha-numeric characters"),
    "endPort below port": (
        _ports({"port": 80, "endPort": 79}),
        "spec.ingress[0].ports[0].endPort: 79: must be greater than or equal to `port`",
    ),
    "endPort above 65535": (
        _ports({"port": 80, "endPort": 70000}),
        "spec.ingress[0].ports[0].endPort: 70000: must be between 1 and 65535",
    ),
    "endPort with a named port": (
        _ports({"port": "http", "endPort": 90}),
        "spec.ingress[0].ports[0].endPort: 90: may not be specified when `port` is non-numeric",
    ),
    "endPort without a port": (
        _ports({"endPort": 90}),
        "spec.ingress[0].ports[0].endPort: 90: may not be specified when `port` is not specified",
    ),
    "boolean port": (_ports({"port": True}), "spec.ingress[0].ports[0].port: True: must be a number or a port name"),
    # ValidateNetworkPolicyPeer / ValidateIPBlock
    "no peer": (_from({}), "spec.ingress[0].from[0]: must specify a peer"),
    "ipBlock and podSelector": (
        _from({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}),
        "spec.ingress[0].from[0]: may not specify both ipBlock and another peer",
    ),
    "cidr without prefix": (
        _from({"ipBlock": {"cidr": "10.0.0.1"}}),
        "spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.1': must be a valid CIDR value (e.g. 10.9.8.0/24)",
    ),
    "cidr not an address": (
        _from({"ipBlock": {"cidr": "10.0.0.300/8"}}),
        "spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.300/8': must be a valid CIDR value",
    ),
    "except outside cidr": (
        _from({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}),
        "spec.ingress[0].from[0].ipBlock.except[0]: '192.168.0.0/16': must be a strict subset of `cidr`",
    ),
    "except equal to cidr": (
        _from({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}}),
        "ipBlock.except[0]: '10.0.0.0/8': must be a strict subset of `cidr`",
    ),
    "except of another family": (
        _from({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["fd00::/64"]}}),
        "ipBlock.except[0]: 'fd00::/64': must be a strict subset of `cidr`",
    ),
    "except without prefix": (
        _from({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.2.3"]}}),
        "ipBlock.except[0]: '10.1.2.3': must be a valid CIDR value",
    ),
    "selector value invalid": (
        {"podSelector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["-bad-"]}]}},
        "spec.podSelector.matchExpressions[].values: '-bad-': a label value must be",
    ),
    "policyTypes unknown": ({"policyTypes": ["Sideways"]}, "spec.policyTypes: 'Sideways' is not Ingress or Egress"),
}


@pytest.mark.parametrize(("spec", "message"), CASES.values(), ids=CASES.keys())
def test_what_the_api_server_refuses_is_refused(tmp_path: Path, spec: dict[str, Any], message: str) -> None:
    path = tmp_path / "policies.yaml"
    path.write_text(yaml.safe_dump_all([_pod("a"), _policy(spec)]), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        run_reach([path], [], [])
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:"), text  # file, then the line of the document
    assert message in text, text


def test_the_valid_upstream_cases_are_accepted() -> None:
    """TestValidateNetworkPolicy's success cases (ports by number, protocol only, a named UDP port, selectors)."""
    specs = [
        {"podSelector": {"matchLabels": {"a": "b"}}, "ingress": []},
        {"podSelector": {"matchLabels": {"a": "b"}}, "ingress": [{"from": [], "ports": []}]},
        {
            "podSelector": {"matchLabels": {"a": "b"}},
            "ingress": [
                {
                    "ports": [
                        {"port": 80},
                        {"protocol": "TCP"},
                        {"protocol": "TCP", "port": 443},
                        {"protocol": "UDP", "port": "dns"},
                    ]
                }
            ],
        },
        {
            "podSelector": {"matchLabels": {"a": "b"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"c": "d"}}}]}],
        },
        {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"c": "d"}}}]}]},
        {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.5/8", "except": ["10.1.0.0/16"]}}]}]},
        {"ingress": [{"ports": [{"port": 80, "endPort": 90}]}]},
    ]
    for spec in specs:
        build_matrix([_pod("a", a="b"), {**_policy({}), "spec": spec}])


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("kind: Pod\nkind: Pod\n", 2),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {x: '1', x: '2'}\n", 5),
    ],
)
def test_duplicate_keys_are_refused_as_kubectl_strict_does(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{path}:{line}: invalid YAML: duplicate key"):
        run_reach([path], [], [])


def test_an_invalid_container_port_name_is_refused(tmp_path: Path) -> None:
    pod = _pod("a")
    pod["spec"]["containers"][0]["ports"][0]["name"] = "Web_Port"
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(pod), encoding="utf-8")
    with pytest.raises(ValueError, match=r"ports\[\]\.name: 'Web_Port': must contain only alpha-numeric"):
        run_reach([path], [], [])


def _platform(tmp_path: Path) -> Path:
    docs = [_pod("a", app="a"), _pod("b", app="b"), _pod("c", app="c")]
    docs.append(
        _policy(
            {
                "podSelector": {"matchLabels": {"app": "b"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}}]}],
            }
        )
    )
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    return path


def test_streamed_json_is_the_json_of_every_row(tmp_path: Path) -> None:
    result = run_reach([_platform(tmp_path)], [], [])
    stream = io.StringIO()
    rows = result.write_json(stream)
    assert stream.getvalue() == result.dumps() + "\n"
    assert rows == len(result.connections) == 6


def test_allowed_only_applies_to_json(hearth: RunHearth, tmp_path: Path) -> None:
    path = _platform(tmp_path)
    full = json.loads(hearth("reach", str(path), "--output", "json").stdout)["connections"]
    allowed = hearth("reach", str(path), "--output", "json", "--allowed-only")
    assert allowed.exit_code == 0, allowed.output
    rows = json.loads(allowed.stdout)["connections"]
    assert rows and all(row["allowed"] for row in rows)
    assert sorted(map(str, rows)) == sorted(str(row) for row in full if row["allowed"])
    assert len(rows) < len(full)


def test_empty_json_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text(yaml.safe_dump(_pod("a")), encoding="utf-8")
    stream = io.StringIO()
    assert run_reach([path], [], []).write_json(stream, allowed_only=True) == 0
    assert json.loads(stream.getvalue()) == {"connections": []}
