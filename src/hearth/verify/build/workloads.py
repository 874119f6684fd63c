"""The kinds that run pods: which API groups serve each, where it keeps its pod template, how its pods live.

The reachability model (:mod:`hearth.verify.reach.model`) turns each object of these kinds into one endpoint,
and the auditor's model (:mod:`hearth.verify.build.audit`) into one
:class:`~hearth.verify.build.pod_template.PodTemplate` of the same name; both read the same table so that they agree.
"""

from __future__ import annotations

__all__ = ["LONG_RUNNING", "REPLICATED", "TEMPLATE_PATHS", "WORKLOADS"]

#: kind -> (API groups it may come from, path from the object to its pod template)
WORKLOADS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "Deployment": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "StatefulSet": (frozenset({"apps"}), ("spec", "template")),
    "DaemonSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "ReplicaSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "ReplicationController": (frozenset({""}), ("spec", "template")),
    "Job": (frozenset({"batch"}), ("spec", "template")),
    "CronJob": (frozenset({"batch"}), ("spec", "jobTemplate", "spec", "template")),
    "Pod": (frozenset({""}), ()),
}
#: kind -> path from the object to its pod template (``()``: a Pod is its own template)
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {kind: path for kind, (_, path) in WORKLOADS.items()}
#: Kinds that run ``spec.replicas`` copies of their pod.
REPLICATED = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
#: Kinds whose pods run all the time (as opposed to Jobs, CronJobs and Helm tests).
LONG_RUNNING = REPLICATED | {"DaemonSet"}
