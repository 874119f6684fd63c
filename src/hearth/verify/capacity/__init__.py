"""Capacity: place every pod on the Nodes of ``cluster/nodes.yaml`` as the scheduler's resource fit would.

Pods: each long-running pod template times its replicas (``spec.replicas``; a stand-in's ``hearth.dev/replicas``),
and DaemonSets (or stand-ins whose ``hearth.dev/workload-kind`` is DaemonSet) once per schedulable node. A pod
whose ``spec.nodeName`` binds it to a node (a static pod's mirror Pod) is not scheduled: it goes on that node,
cordoned or not, placed with the DaemonSet pods, and is lost with its node in N-1 rather than moved. Jobs,
CronJobs and Helm test Pods are transient: they are only checked to fit somewhere next to the steady state.

Placement mirrors kube-scheduler's NodeResourcesFit plugin: a node is feasible when it is schedulable, its
``NoSchedule``/``NoExecute`` taints are tolerated, the pod's ``nodeSelector`` matches, it has a pod slot left, and
the pod's cpu and memory requests fit in allocatable minus what is already requested. Among feasible nodes the
LeastAllocated score picks the emptiest (mean over cpu and memory of free share after placing, on "non-zero"
requests: 100m and 200Mi for containers that request nothing, as the scheduler scores); ties go to the node
name, first in order (the scheduler would pick at random). Order: DaemonSet and bound pods first, then
releases in ``helmfile.yaml`` order (their deploy order), pods by name and replica index.

A pod that fits nowhere is a failure. N-1: for each node lost, the pods on the other nodes stay, and the lost
node's pods are placed again on the others; those that do not fit, and those bound to the lost node by a
node-local PVC (``openebs-hostpath`` and other ``*hostpath*``/``*local*`` classes), are WARNINGS.

Storage: PVC requests (``manifests/`` and ``cluster/``, StatefulSet ``volumeClaimTemplates`` per replica) in total
against the sum of node disks, and per node the node-local claims of the pods placed there against that node's
disk (``hearth.dev/disk-bytes``, else its ``ephemeral-storage`` capacity). Overcommit is a failure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import replace

from hearth.verify.build.model import Build, NodeInfo
from hearth.verify.capacity.placement import NONZERO_CPU, NONZERO_MEMORY, PlacedPod, place, scoring_requests
from hearth.verify.capacity.report import Capacity, NodeLoss, NodeUsage
from hearth.verify.capacity.storage import Claim, claimed_bytes, claims_in_build, node_local_bytes

__all__ = ["NONZERO_CPU", "NONZERO_MEMORY", "Capacity", "NodeUsage", "PlacedPod", "audit_capacity", "place"]


def _instances(
    build: Build, claims: Mapping[str, Claim], nodes: Sequence[NodeInfo]
) -> tuple[list[PlacedPod], list[str]]:
    """Every steady-state pod instance in placement order, and notes on claims that are not in the build."""
    order: dict[str, int] = {}
    for index, release in enumerate(build.releases):
        order.setdefault(release.component, index)
    notes = []
    daemons: list[PlacedPod] = []
    others: list[PlacedPod] = []
    schedulable = [n for n in sorted(nodes, key=lambda n: n.name) if not n.unschedulable]
    for pod in sorted(build.pods, key=lambda p: (order.get(p.component or "", -1), p.endpoint)):
        if not pod.long_running or pod.kind in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        score_cpu, score_memory = scoring_requests(pod)
        selector = {str(k): str(v) for k, v in (pod.spec.get("nodeSelector") or {}).items()}
        tolerations = tuple(t for t in pod.spec.get("tolerations") or [] if isinstance(t, dict))
        mounted = []
        for name in pod.claim_names():
            claim = claims.get(f"{pod.namespace}/{name}")
            if claim is None:
                notes.append(f"{pod.endpoint} mounts PVC {name}, which is not in the build")
            else:
                mounted.append(claim)
        base = PlacedPod(
            pod.endpoint, pod.endpoint, cpu, memory, score_cpu, score_memory, tuple(mounted), selector, tolerations
        )
        if pod.workload_kind == "DaemonSet":
            daemons += [
                replace(base, name=f"{pod.endpoint}@{node.name}", daemon_node=node.name) for node in schedulable
            ]
            continue
        bound = pod.spec.get("nodeName")
        if isinstance(bound, str) and bound:  # bound without the scheduler, e.g. a static pod's mirror Pod
            base = replace(base, daemon_node=bound)
        templates = pod.claim_templates() if pod.kind == "StatefulSet" else []
        replicas = pod.replicas
        for index in range(replicas):
            per_replica = [Claim(f"{pod.namespace}/{tpl}-{pod.name}-{index}", size, sc) for tpl, size, sc in templates]
            name = pod.endpoint if replicas == 1 else f"{pod.endpoint}#{index}"
            instance = replace(base, name=name, claims=tuple(mounted + per_replica))
            (daemons if instance.daemon_node else others).append(instance)
    return daemons + others, notes


def _transient_unfit(
    build: Build, placement: Mapping[str, Sequence[PlacedPod]], nodes: Sequence[NodeInfo]
) -> list[str]:
    """Transient pods (Jobs, CronJobs, Helm tests) that fit on no node next to the steady state."""
    out = []
    for pod in build.pods:
        if pod.long_running and pod.kind not in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        probe = PlacedPod(pod.endpoint, pod.endpoint, cpu, memory, *scoring_requests(pod), ())
        _, unplaced = place(nodes, [probe], placement)
        if unplaced:
            out.append(pod.endpoint)
    return sorted(out)


def _n_minus_one(nodes: Sequence[NodeInfo], placement: Mapping[str, Sequence[PlacedPod]]) -> list[NodeLoss]:
    """For each schedulable node lost: its pods placed again on the others, the rest staying where they are."""
    losses = []
    for lost in nodes:
        if lost.unschedulable:
            continue
        others = [n for n in nodes if n.name != lost.name]
        keep = {
            n.name: [p for p in placement[n.name] if p.daemon_node is None or p.daemon_node == n.name] for n in others
        }
        evicted = [p for p in placement[lost.name] if p.daemon_node is None]
        stranded = [p.name for p in evicted if p.pinned]
        movable = [p for p in evicted if not p.pinned]
        _, left = place(others, movable, keep)
        losses.append(NodeLoss(lost.name, len(movable), sorted(p.name for p in left), sorted(stranded)))
    return losses


def audit_capacity(build: Build) -> Capacity:
    """Place the build's pods on its nodes; report usage, unplaceable pods, N-1 and storage."""
    nodes = sorted(build.nodes, key=lambda n: n.name)
    claims = claims_in_build(build)
    pods, notes = _instances(build, claims, nodes)
    if not nodes:
        notes.append("no Node in cluster/nodes.yaml: nothing to place pods on")
    placement, unplaced = place(nodes, pods)
    local = node_local_bytes([node.name for node in nodes], placement)
    usage = [
        NodeUsage(
            name=node.name,
            cpu_allocatable=node.cpu,
            memory_allocatable=node.memory,
            cpu_requested=sum(p.cpu for p in placement[node.name]),
            memory_requested=sum(p.memory for p in placement[node.name]),
            pods=sorted(p.name for p in placement[node.name]),
            disk=node.disk,
            claims=local[node.name],
        )
        for node in nodes
    ]
    claims_total = claimed_bytes(claims, pods)
    return Capacity(
        nodes=usage,
        unplaced=sorted(p.name for p in unplaced),
        transient_unfit=_transient_unfit(build, placement, nodes),
        n_minus_one=_n_minus_one(nodes, placement),
        claims_total=claims_total,
        disk_total=sum(n.disk for n in nodes),
        claims_unplaced=claims_total - sum(n.claims for n in usage),
        notes=sorted(set(notes)),
        demand_cpu=sum(p.cpu for p in pods),
        demand_memory=sum(p.memory for p in pods),
    )
