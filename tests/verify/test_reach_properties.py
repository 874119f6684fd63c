"""Property tests: the bitset evaluator against a naive per-pair reading of the spec, and invariants."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth.verify.reach import Probe, build_matrix

NAMESPACES = ["n1", "n2"]
POD_LABELS = {"app": ["a", "b"], "tier": ["web", "db"]}
NS_LABELS = {"env": ["prod", "dev"], "kubernetes.io/metadata.name": NAMESPACES}
BLOCKS = {  # cidr -> except candidates inside it, chosen to cover pod and peer IPs below
    "10.0.0.0/24": ["10.0.0.2/32", "10.0.0.0/31"],
    "10.0.0.0/30": ["10.0.0.1/32"],
    "0.0.0.0/0": ["10.0.0.0/30", "192.0.2.128/25"],
    "192.0.2.0/24": ["192.0.2.128/25"],
    "2001:db8::/32": ["2001:db8::/64"],
}
PEER_IPS = ["10.0.0.9", "192.0.2.129", "2001:db8::7"]
PROBES = [Probe(80), Probe(81), Probe(8080), Probe(53, "UDP"), Probe(53)]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Doc = dict[str, Any]


# --------------------------------------------------------------------------- strategies


def selectors(labels: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """LabelSelectors over ``labels`` (key -> values): {}, matchLabels, and all four operators.

    Kept small (at most one term of each kind) so that selectors often match something.
    """
    keys = sorted(labels)
    pair = st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), st.sampled_from(labels[k])))
    with_values = st.sampled_from(keys).flatmap(
        lambda k: st.fixed_dictionaries(
            {
                "key": st.just(k),
                "operator": st.sampled_from(["In", "NotIn"]),
                "values": st.lists(st.sampled_from(labels[k]), min_size=1, max_size=2, unique=True),
            }
        )
    )
    without_values = st.fixed_dictionaries(
        {"key": st.sampled_from(keys), "operator": st.sampled_from(["Exists", "DoesNotExist"])}
    )
    some = st.fixed_dictionaries(
        {},
        optional={
            "matchLabels": st.lists(pair, max_size=1).map(dict),
            "matchExpressions": st.lists(with_values | without_values, max_size=1),
        },
    )
    return st.just({}) | some


def peers() -> st.SearchStrategy[dict[str, Any]]:
    """Peers: pod selector, namespace selector, both, or an ipBlock."""
    pod_sel, ns_sel = selectors(POD_LABELS), selectors(NS_LABELS)
    block = st.sampled_from(sorted(BLOCKS)).flatmap(
        lambda cidr: st.fixed_dictionaries(
            {"cidr": st.just(cidr)}, optional={"except": st.lists(st.sampled_from(BLOCKS[cidr]), max_size=2)}
        )
    )
    return st.one_of(
        st.fixed_dictionaries({"podSelector": pod_sel}),
        st.fixed_dictionaries({"namespaceSelector": ns_sel}),
        st.fixed_dictionaries({"podSelector": pod_sel, "namespaceSelector": ns_sel}),
        st.fixed_dictionaries({"ipBlock": block}),
        st.fixed_dictionaries({"ipBlock": block}),
    )


@st.composite
def port_entries(draw: st.DrawFn) -> dict[str, Any]:
    """A rule's ports entry: any port of a protocol, a number, a range, or a name."""
    entry: dict[str, Any] = {}
    kind = draw(st.sampled_from(["any", "number", "range", "name"]))
    if kind == "number":
        entry["port"] = draw(st.sampled_from([53, 80, 81, 8080]))
    elif kind == "range":
        entry["port"] = draw(st.sampled_from([53, 79, 80, 8000]))
        entry["endPort"] = entry["port"] + draw(st.sampled_from([0, 1, 2, 100]))
    elif kind == "name":
        entry["port"] = draw(st.sampled_from(["http", "dns", "metrics"]))
    protocol = draw(st.sampled_from([None, "TCP", "UDP", "UDP" if entry.get("port") == "dns" else "TCP"]))
    if protocol is not None:
        entry["protocol"] = protocol
    return entry


def rules(peers_key: str) -> st.SearchStrategy[dict[str, Any]]:
    """Ingress (``from``) or egress (``to``) rules with optional peers and ports."""
    return st.fixed_dictionaries(
        {},
        optional={peers_key: st.lists(peers(), max_size=2), "ports": st.lists(port_entries(), max_size=2)},
    )


@st.composite
def policies(draw: st.DrawFn, name: str) -> Doc:
    """A NetworkPolicy with any combination of policyTypes and rules."""
    spec: dict[str, Any] = {"podSelector": draw(selectors(POD_LABELS))}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    if draw(st.booleans()):
        spec["ingress"] = draw(st.lists(rules("from"), max_size=2))
    if draw(st.booleans()):
        spec["egress"] = draw(st.lists(rules("to"), max_size=2))
    meta = {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}


@st.composite
def pods(draw: st.DrawFn, name: str) -> Doc:
    """A Pod (maybe with an IP) or a Deployment (never an IP) with labels and named ports."""
    ports: list[dict[str, Any]] = [{"name": "http", "containerPort": draw(st.sampled_from([80, 8080]))}]
    if draw(st.booleans()):
        ports.append({"name": "metrics", "containerPort": 81})
    if draw(st.booleans()):
        ports.append({"name": "dns", "containerPort": 53, "protocol": "UDP"})
    labels = {"app": draw(st.sampled_from(POD_LABELS["app"]))}
    if draw(st.booleans()):
        labels["tier"] = draw(st.sampled_from(POD_LABELS["tier"]))
    pod_meta = {"labels": labels}
    pod_spec = {"containers": [{"name": "c", "ports": ports}]}
    meta = {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))}
    if draw(st.integers(0, 3)) == 0:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {"template": {"metadata": pod_meta, "spec": pod_spec}},
        }
    doc: Doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, **pod_meta}, "spec": pod_spec}
    ip = draw(st.sampled_from([None, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5", "192.0.2.200", "2001:db8::2"]))
    if ip is not None:
        doc["status"] = {"podIP": ip}
    return doc


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Doc], list[Probe] | None, list[str]]:
    """Namespaces, pods, policies, probes and outside IPs for one evaluation."""
    docs: list[Doc] = []
    for namespace in NAMESPACES:
        if draw(st.booleans()):
            labels = draw(st.dictionaries(st.just("env"), st.sampled_from(["prod", "dev"])))
            docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}})
    docs += [draw(pods(f"p{i}")) for i in range(draw(st.integers(1, 6)))]
    docs += [draw(policies(f"np{i}")) for i in range(draw(st.integers(0, 4)))]
    probes = draw(st.none() | st.lists(st.sampled_from(PROBES), min_size=1, max_size=3, unique=True))
    ips = draw(st.lists(st.sampled_from(PEER_IPS), max_size=2, unique=True))
    return docs, probes, ips


# --------------------------------------------------------------------------- a naive oracle


class Oracle:
    """A direct, per-pair reading of the NetworkPolicy spec, sharing no code with the evaluator."""

    def __init__(self, docs: list[Doc], ips: list[str]) -> None:
        self.ns_labels: dict[str, dict[str, str]] = {}
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.policies: list[Doc] = []
        for doc in docs:
            meta = doc["metadata"]
            if doc["kind"] == "Namespace":
                self.ns_labels[meta["name"]] = {**meta.get("labels", {})}
            elif doc["kind"] == "NetworkPolicy":
                self.policies.append(doc)
            else:
                template = doc["spec"]["template"] if doc["kind"] == "Deployment" else doc
                ip = doc.get("status", {}).get("podIP")
                self.endpoints[f"{meta['namespace']}/{meta['name']}"] = {
                    "ns": meta["namespace"],
                    "labels": template["metadata"].get("labels", {}),
                    "ips": [ip] if ip else [],
                    "ports": [
                        (p["containerPort"], p.get("protocol", "TCP"), p.get("name"))
                        for p in template["spec"]["containers"][0]["ports"]
                    ],
                }
        for namespace in NAMESPACES:
            self.ns_labels.setdefault(namespace, {})["kubernetes.io/metadata.name"] = namespace
        for ip in ips:
            self.endpoints[ip] = {"ns": None, "labels": {}, "ips": [ip], "ports": []}

    @staticmethod
    def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
        """Label selector semantics, term by term."""
        if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
            return False
        for expr in selector.get("matchExpressions", []):
            key, op, values = expr["key"], expr["operator"], expr.get("values", [])
            has = key in labels
            ok = {
                "In": has and labels.get(key) in values,
                "NotIn": not (has and labels.get(key) in values),
                "Exists": has,
                "DoesNotExist": not has,
            }[op]
            if not ok:
                return False
        return True

    def peer_matches(self, peer: dict[str, Any], policy_ns: str, ep: dict[str, Any]) -> bool:
        """Does one ``from``/``to`` peer of a policy in ``policy_ns`` admit ``ep``?"""
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            for raw in ep["ips"]:
                ip = ipaddress.ip_address(raw)
                inside = [ipaddress.ip_network(c) for c in [block["cidr"]] if _same(ip, c)]
                excluded = [e for e in block.get("except", []) if _same(ip, e) and ip in ipaddress.ip_network(e)]
                if inside and ip in inside[0] and not excluded:
                    return True
            return False
        if ep["ns"] is None:
            return False
        if "namespaceSelector" in peer:
            if not self.matches(peer["namespaceSelector"], self.ns_labels[ep["ns"]]):
                return False
        elif ep["ns"] != policy_ns:
            return False
        return "podSelector" not in peer or self.matches(peer["podSelector"], ep["labels"])

    @staticmethod
    def port_matches(ports: list[dict[str, Any]], probe: Probe, dst: dict[str, Any]) -> bool:
        """Does a rule's ``ports`` list admit ``probe`` on ``dst`` (named ports looked up on ``dst``)?"""
        if not ports:
            return True
        for entry in ports:
            protocol = entry.get("protocol", "TCP")
            port = entry.get("port")
            if protocol != probe.protocol:
                continue
            if port is None:
                return True
            if isinstance(port, int) and port <= probe.port <= entry.get("endPort", port):
                return True
            if isinstance(port, str) and (probe.port, protocol, port) in dst["ports"]:
                return True
        return False

    def governing(self, ep: dict[str, Any], direction: str) -> list[Doc]:
        """Policies of ``ep``'s namespace selecting it with ``direction`` in their (defaulted) policyTypes."""
        found = []
        for policy in self.policies:
            spec = policy["spec"]
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
            if (
                ep["ns"] == policy["metadata"]["namespace"]
                and direction in types
                and self.matches(spec["podSelector"], ep["labels"])
            ):
                found.append(policy)
        return found

    def direction_allows(
        self, owner: dict[str, Any], other: dict[str, Any], dst: dict[str, Any], probe: Probe, egress: bool
    ) -> bool:
        """Does ``owner``'s ingress (or egress) let it talk to ``other`` on ``probe`` at ``dst``?"""
        governing = self.governing(owner, "Egress" if egress else "Ingress")
        if not governing:
            return True
        key, peers_key = ("egress", "to") if egress else ("ingress", "from")
        for policy in governing:
            for rule in policy["spec"].get(key) or []:
                peer_list = rule.get(peers_key) or []
                peer_ok = not peer_list or any(
                    self.peer_matches(p, policy["metadata"]["namespace"], other) for p in peer_list
                )
                if peer_ok and self.port_matches(rule.get("ports") or [], probe, dst):
                    return True
        return False

    def rows(self, probes: list[Probe] | None) -> set[tuple[str, str, int, str, bool]]:
        """Every row of the matrix, the slow way."""
        found = set()
        for src_name, src in self.endpoints.items():
            for dst_name, dst in self.endpoints.items():
                if src_name == dst_name or (src["ns"] is None and dst["ns"] is None):
                    continue
                dst_probes = probes or {Probe(n, p) for n, p, _ in dst["ports"]}
                for probe in dst_probes:
                    allowed = self.direction_allows(src, dst, dst, probe, True) and self.direction_allows(
                        dst, src, dst, probe, False
                    )
                    found.add((src_name, dst_name, probe.port, probe.protocol, allowed))
        return found


def _same(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, cidr: str) -> bool:
    """Same IP version?"""
    return ip.version == ipaddress.ip_network(cidr).version


def _rows(docs: list[Doc], probes: list[Probe] | None, ips: list[str]) -> set[tuple[str, str, int, str, bool]]:
    """The evaluator's rows, checked free of duplicates."""
    matrix = build_matrix(docs, probes, ips)
    rows = [(c.src, c.dst, c.port, c.protocol, c.allowed) for c in matrix.connections()]
    assert len(rows) == len(set(rows))
    return set(rows)


# --------------------------------------------------------------------------- properties


@settings(SETTINGS, max_examples=400)
@given(scenarios())
def test_matches_naive_oracle(scenario: tuple[list[Doc], list[Probe] | None, list[str]]) -> None:
    """The bitset evaluator gives exactly the verdicts of a per-pair reading of the spec."""
    docs, probes, ips = scenario
    assert _rows(docs, probes, ips) == Oracle(docs, ips).rows(probes)


@SETTINGS
@given(scenarios(), st.data())
def test_adding_an_allow_all_policy_never_removes_a_flow(
    scenario: tuple[list[Doc], list[Probe] | None, list[str]], data: st.DataObject
) -> None:
    """A policy whose only rule admits everything can isolate nobody new from anything: flows only grow."""
    docs, probes, ips = scenario
    direction = data.draw(st.sampled_from(["Ingress", "Egress"]))
    extra = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "zz-allow-all", "namespace": data.draw(st.sampled_from(NAMESPACES))},
        "spec": {
            "podSelector": data.draw(selectors(POD_LABELS)),
            "policyTypes": [direction],
            direction.lower(): [{}],
        },
    }
    before = {row[:4] for row in _rows(docs, probes, ips) if row[4]}
    after = {row[:4] for row in _rows([*docs, extra], probes, ips) if row[4]}
    assert before <= after


@SETTINGS
@given(scenarios())
def test_unselected_pod_is_reachable_from_every_non_egress_isolated_source(
    scenario: tuple[list[Doc], list[Probe] | None, list[str]],
) -> None:
    """A pod in a namespace without policies accepts anything whose egress is not restricted."""
    docs, probes, ips = scenario
    lonely = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "lonely", "namespace": "unpoliced"},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
    }
    matrix = build_matrix([*docs, lonely], probes, ips)
    assert not matrix.ingress_isolated("unpoliced/lonely")
    assert not matrix.egress_isolated("unpoliced/lonely")
    for endpoint in matrix.endpoints:
        if endpoint.name != "unpoliced/lonely" and not matrix.egress_isolated(endpoint.name):
            for probe in matrix.probes("unpoliced/lonely"):
                assert matrix.allowed(endpoint.name, "unpoliced/lonely", probe.port, probe.protocol)
