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

from hearth.verify.build.model import Build
from hearth.verify.capacity.advice import Advice, advise, capacity_findings
from hearth.verify.capacity.fit import evaluate
from hearth.verify.capacity.placement import NONZERO_CPU, NONZERO_MEMORY, PlacedPod, place
from hearth.verify.capacity.report import Capacity, NodeUsage
from hearth.verify.capacity.storage import claims_in_build

__all__ = [
    "NONZERO_CPU",
    "NONZERO_MEMORY",
    "Advice",
    "Capacity",
    "NodeUsage",
    "PlacedPod",
    "audit_capacity",
    "capacity_findings",
    "place",
]


def audit_capacity(build: Build) -> Capacity:
    """Place the build's pods on its nodes; report usage, unplaceable pods, N-1 and storage, and when it does not
    fit (a failure or an N-1 loss that leaves pods without a place) the advice of :mod:`.advice`."""
    claims = claims_in_build(build)
    fit = evaluate(build, claims, build.nodes)
    nodes = fit.nodes
    notes = list(fit.notes)
    if not nodes:
        notes.append("no Node in cluster/nodes.yaml: nothing to place pods on")
    usage = [
        NodeUsage(
            name=node.name,
            cpu_allocatable=node.cpu,
            memory_allocatable=node.memory,
            cpu_requested=sum(p.cpu for p in fit.placement[node.name]),
            memory_requested=sum(p.memory for p in fit.placement[node.name]),
            pods=sorted(p.name for p in fit.placement[node.name]),
            disk=node.disk,
            claims=fit.local[node.name],
        )
        for node in nodes
    ]
    capacity = Capacity(
        nodes=usage,
        unplaced=sorted(p.name for p in fit.unplaced),
        transient_unfit=fit.transient,
        n_minus_one=fit.losses,
        claims_total=fit.claims_total,
        disk_total=sum(n.disk for n in nodes),
        claims_unplaced=fit.claims_total - sum(n.claims for n in usage),
        notes=sorted(set(notes)),
        demand_cpu=sum(p.cpu for p in fit.pods),
        demand_memory=sum(p.memory for p in fit.pods),
        requests={p.name: (p.cpu, p.memory) for p in fit.unplaced},
    )
    if nodes:
        search = capacity.failed or not all(loss.fits for loss in fit.losses) or bool(fit.transient)
        capacity.advice = advise(build, claims, fit, search=search)
    return capacity
