"""The pod/workload model of the auditor: one :class:`PodTemplate` per pod template of the build.

Every pod template in the build (a workload's, a Helm test Pod, a stand-in Pod) is one :class:`PodTemplate`, named
as :mod:`hearth.verify.reach` names its endpoint (``namespace/name``), with the ``hearth.dev/*`` annotations of
the manifest contract read into fields, and its resource requests summed as the scheduler sums them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hearth.verify.build.annotations import COMPONENT, CONNECTS_TO, HELM_HOOK, REPLICAS, ROLE, STAND_IN, WORKLOAD_KIND
from hearth.verify.build.fields import as_list, as_mapping, byte_amount, millicore_amount
from hearth.verify.build.manifests import Document
from hearth.verify.build.workloads import LONG_RUNNING, REPLICATED

__all__ = ["ContainerPortRef", "PodTemplate", "container_amounts", "port_number"]


@dataclass(frozen=True)
class ContainerPortRef:
    """A port a pod template's containers declare."""

    number: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class PodTemplate:
    """One pod template of the build: a workload's, a bare Pod's (Helm test, stand-in, cluster add-on).

    ``endpoint`` is the name :mod:`hearth.verify.reach` gives it; ``annotations`` are the pod template's (for a
    bare Pod, its own); ``object_annotations`` the workload object's own metadata annotations.
    """

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    object_annotations: Mapping[str, str]
    spec: Mapping[str, Any]
    object_spec: Mapping[str, Any]
    file: str
    source: str  # "manifests" or "cluster"
    document: Document = field(repr=False, compare=False)

    @property
    def endpoint(self) -> str:
        """``namespace/name``: the endpoint :mod:`hearth.verify.reach` builds for this pod template."""
        return f"{self.namespace}/{self.name}"

    @property
    def stand_in(self) -> bool:
        """A description (under ``cluster/``) of a pod something else creates: an upstream chart, the cluster."""
        return STAND_IN in self.annotations or STAND_IN in self.object_annotations

    @property
    def upstream_stand_in(self) -> bool:
        """A stand-in for a pod an upstream chart creates (it names a ``hearth.dev/component``)."""
        return self.stand_in and self.component is not None

    @property
    def helm_test(self) -> bool:
        """A Helm test hook Pod (``helm.sh/hook: test``)."""
        hooks = self.object_annotations.get(HELM_HOOK, "") or self.annotations.get(HELM_HOOK, "")
        return "test" in {h.strip() for h in hooks.split(",")}

    @property
    def component(self) -> str | None:
        """The ``hearth.dev/component`` annotation, if any."""
        return self.annotations.get(COMPONENT) or self.object_annotations.get(COMPONENT)

    @property
    def workload_kind(self) -> str:
        """The kind of workload the pods come from: the object's kind, or a stand-in's ``workload-kind``."""
        stated = self.annotations.get(WORKLOAD_KIND)
        return stated if self.kind == "Pod" and stated else self.kind

    @property
    def long_running(self) -> bool:
        """Pods that run all the time: Deployments, StatefulSets, DaemonSets, stand-ins of those, bare Pods."""
        if self.helm_test:
            return False
        return self.workload_kind in LONG_RUNNING or self.workload_kind == "Pod"

    @property
    def roles(self) -> frozenset[str]:
        """``hearth.dev/role`` values (comma-separated): ``ingress-controller``, ``metrics-scraper``, ``webhook``."""
        return frozenset(r.strip() for r in self.annotations.get(ROLE, "").split(",") if r.strip())

    @property
    def connects_to(self) -> tuple[str, ...]:
        """``hearth.dev/connects-to`` entries, each ``NAMESPACE/SERVICE:PORT``, as written."""
        return tuple(t.strip() for t in self.annotations.get(CONNECTS_TO, "").split(",") if t.strip())

    @property
    def replicas(self) -> int:
        """Pods this template stands for (DaemonSets: per node, decided by the caller; this returns 1)."""
        if self.kind == "Pod":
            raw = self.annotations.get(REPLICAS)
            return int(raw) if raw is not None and raw.isdigit() else 1
        if self.kind in REPLICATED:
            value = self.object_spec.get("replicas", 1)
            return value if isinstance(value, int) and not isinstance(value, bool) else 1
        return 1

    def containers(self, *, init: bool = True) -> list[dict[str, Any]]:
        """The containers (and, with ``init``, init containers), each a mapping; malformed entries skipped."""
        out = [c for c in as_list(self.spec.get("containers")) if isinstance(c, dict)]
        if init:
            out += [c for c in as_list(self.spec.get("initContainers")) if isinstance(c, dict)]
        return out

    @cached_property
    def ports(self) -> tuple[ContainerPortRef, ...]:
        """Declared container ports (containers and restartable init containers, as reach reads them)."""
        sidecars = [
            c
            for c in as_list(self.spec.get("initContainers"))
            if isinstance(c, dict) and c.get("restartPolicy") == "Always"
        ]
        found: list[ContainerPortRef] = []
        for container in self.containers(init=False) + sidecars:
            for port in as_list(container.get("ports")):
                port = as_mapping(port)
                number = port.get("containerPort")
                if isinstance(number, int) and not isinstance(number, bool):
                    name = port.get("name")
                    protocol = str(port.get("protocol") or "TCP")
                    found.append(ContainerPortRef(number, protocol, name if isinstance(name, str) else None))
        return tuple(found)

    def port_named(self, name: str) -> ContainerPortRef | None:
        """The declared container port called ``name``, if any."""
        return next((p for p in self.ports if p.name == name), None)

    def declared_port(self, ref: object) -> ContainerPortRef | None:
        """The declared container port ``ref`` refers to: by number (see :func:`port_number`), else by name."""
        number = port_number(ref)
        if number is not None:
            return next((p for p in self.ports if p.number == number), None)
        return self.port_named(str(ref))

    def claim_names(self) -> list[str]:
        """PersistentVolumeClaims the pod mounts by name (``volumes[].persistentVolumeClaim.claimName``)."""
        names = []
        for volume in as_list(self.spec.get("volumes")):
            claim = as_mapping(as_mapping(volume).get("persistentVolumeClaim")).get("claimName")
            if isinstance(claim, str):
                names.append(claim)
        return names

    def claim_templates(self) -> list[tuple[str, int, str | None]]:
        """A StatefulSet's ``volumeClaimTemplates``: (name, requested bytes, storage class) each."""
        out = []
        for tpl in as_list(self.object_spec.get("volumeClaimTemplates")):
            tpl = as_mapping(tpl)
            spec = as_mapping(tpl.get("spec"))
            size = as_mapping(as_mapping(spec.get("resources")).get("requests")).get("storage")
            name = str(as_mapping(tpl.get("metadata")).get("name", ""))
            out.append((name, byte_amount(size), spec.get("storageClassName")))
        return out

    def requests(self) -> tuple[int, int]:
        """(millicores, bytes) the scheduler reserves: max(sum of containers, each init container)."""
        return _pod_amounts(self, "requests")


def container_amounts(container: Mapping[str, Any], kind: str = "requests") -> tuple[int, int]:
    """(millicores, bytes) of one container's ``resources.<kind>``; absent or unparsable amounts count 0."""
    amounts = as_mapping(as_mapping(container.get("resources")).get(kind))
    return millicore_amount(amounts.get("cpu")), byte_amount(amounts.get("memory"))


def _pod_amounts(pod: PodTemplate, kind: str) -> tuple[int, int]:
    """Effective pod amounts: sum over containers and sidecars, at least each plain init container's."""
    cpu = mem = init_cpu = init_mem = 0
    for container in pod.containers(init=False):
        c, m = container_amounts(container, kind)
        cpu, mem = cpu + c, mem + m
    for container in as_list(pod.spec.get("initContainers")):
        if not isinstance(container, dict):
            continue
        c, m = container_amounts(container, kind)
        if container.get("restartPolicy") == "Always":  # a sidecar runs alongside the containers
            cpu, mem = cpu + c, mem + m
        else:
            init_cpu, init_mem = max(init_cpu, c), max(init_mem, m)
    return max(cpu, init_cpu), max(mem, init_mem)


def port_number(ref: object) -> int | None:
    """The number a port reference (``8080``, ``"8080"``) is, or None for a port name."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return int(ref)
    return None
