"""Time the NetworkPolicy reachability matrix (``hearth reach``) on a synthetic platform.

    .venv/bin/python bench/bench_reach.py [--components 2000] [--namespaces 10] [--runs 3] [--rows]

Prints figures only; never asserts on time. The synthetic platform looks like a
real one: every component is a Deployment in one of the namespaces, serving one
port, with a default-deny policy (ingress and egress) and an allow policy that
admits its 1-3 consumers on its port and lets it reach DNS and the components it
consumes. ``time_matrix(docs)`` is the reusable measure (for the seed platform's
rendered manifests too): model build plus the full matrix, in seconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hearth.verify.reach import Probe, build_matrix

PORTS = (80, 443, 3000, 5432, 6379, 8080, 8443, 9090)
NAME_LABEL = "app.kubernetes.io/name"
NS_LABEL = "kubernetes.io/metadata.name"


def time_matrix(
    docs: Iterable[Mapping[str, Any]], ports: Sequence[Probe] | None = None, peer_ips: Sequence[str] = ()
) -> float:
    """Seconds to build the model and compute the full matrix for ``docs`` (what ``hearth reach`` pays)."""
    items = list(docs)
    start = time.perf_counter()
    build_matrix(items, ports, peer_ips)
    return time.perf_counter() - start


def synthetic_platform(components: int = 2000, namespaces: int = 10, seed: int = 7) -> list[dict[str, Any]]:
    """Manifests of ``components`` workloads with their policies, plus kube-dns, deterministic for ``seed``."""
    rng = random.Random(seed)
    ns_names = [f"team-{i:02d}" for i in range(namespaces)]
    docs: list[dict[str, Any]] = [_namespace("kube-system"), *(_namespace(name) for name in ns_names)]
    docs.append(_deployment("kube-system", "coredns", {"k8s-app": "kube-dns"}, [(53, "UDP"), (53, "TCP")]))
    names = [f"c{i:04d}" for i in range(components)]
    where = {name: ns_names[i % namespaces] for i, name in enumerate(names)}
    port = {name: rng.choice(PORTS) for name in names}
    consumers = {
        name: rng.sample([n for n in rng.sample(names, 4) if n != name][:3], rng.randint(1, 3)) for name in names
    }
    consumes: dict[str, list[str]] = {name: [] for name in names}
    for provider, users in consumers.items():
        for user in users:
            consumes[user].append(provider)
    for name in names:
        namespace = where[name]
        docs.append(_deployment(namespace, name, {NAME_LABEL: name, "team": namespace}, [(port[name], "TCP")]))
        docs.append(_policy(namespace, f"{name}-default-deny", name, {"policyTypes": ["Ingress", "Egress"]}))
        docs.append(
            _policy(
                namespace,
                f"{name}-allow",
                name,
                {
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [
                        {"from": [_peer(where[user], user) for user in consumers[name]], "ports": [{"port": "http"}]}
                    ],
                    "egress": [
                        {
                            "to": [_peer("kube-system", None, {"k8s-app": "kube-dns"})],
                            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                        },
                        *(
                            {"to": [_peer(where[provider], provider)], "ports": [{"port": port[provider]}]}
                            for provider in consumes[name]
                        ),
                    ],
                },
            )
        )
    return docs


def _namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"team": name}}}


def _deployment(namespace: str, name: str, labels: dict[str, str], ports: list[tuple[int, str]]) -> dict[str, Any]:
    container_ports = [
        {"name": "http" if i == 0 else f"p{i}", "containerPort": number, "protocol": protocol}
        for i, (number, protocol) in enumerate(ports)
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": "example", "ports": container_ports}]},
            }
        },
    }


def _policy(namespace: str, name: str, component: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": {"matchLabels": {NAME_LABEL: component}}, **spec},
    }


def _peer(namespace: str, component: str | None, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "namespaceSelector": {"matchLabels": {NS_LABEL: namespace}},
        "podSelector": {"matchLabels": labels or {NAME_LABEL: str(component)}},
    }


def _timed(action: Callable[[], int]) -> tuple[int, float]:
    """What ``action`` returns and how many seconds it took."""
    start = time.perf_counter()
    value = action()
    return value, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    """Build the synthetic platform and print how long its matrix takes."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--components", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", action="store_true", help="also time listing every row (N² × ports)")
    args = parser.parse_args(argv)
    docs = synthetic_platform(args.components, args.namespaces)
    policies = sum(1 for doc in docs if doc["kind"] == "NetworkPolicy")
    print(f"synthetic platform: {args.components} components, {args.namespaces} namespaces, {policies} policies")
    times = [time_matrix(docs) for _ in range(args.runs)]
    each = ", ".join(f"{t:.3f}" for t in times)
    print(f"model + full matrix: median {statistics.median(times):.3f}s over {args.runs} runs ({each})")
    matrix = build_matrix(docs)
    allowed, seconds = _timed(lambda: sum(1 for _ in matrix.allowed_flows()))
    print(f"allowed flows: {allowed} listed in {seconds:.3f}s")
    if args.rows:
        rows, seconds = _timed(lambda: sum(1 for _ in matrix.connections()))
        print(f"all rows: {rows} listed in {seconds:.3f}s")


if __name__ == "__main__":
    main()
