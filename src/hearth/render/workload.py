"""Workloads of components hearth renders: the Deployment or StatefulSet, its Service, PVC and PDB."""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component, Image, Port, Sidecar
from hearth.render.credentials import wrapped
from hearth.render.defaults import (
    container_security_context,
    exception_annotations,
    metadata,
    pod_security_context,
    probes,
)
from hearth.render.intent import intent_annotations
from hearth.render.model import Manifest
from hearth.render.secrets import delivered, vault_injection
from hearth.resolve.pods import selector_labels, standard_labels
from hearth.resolve.records import HEARTH_POD, Resolved


def _container_ports(ports: list[Port]) -> list[dict[str, Any]]:
    return [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in ports]


def _resources(amounts: Any) -> dict[str, Any]:
    return {
        "requests": {"cpu": amounts.requests.cpu, "memory": amounts.requests.memory},
        "limits": {"cpu": amounts.limits.cpu, "memory": amounts.limits.memory},
    }


def _writable_mounts(component: Component, prefix: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes, mounts = [], []
    for index, path in enumerate(component.security.writable_paths):
        name = f"{prefix}writable-{index}"
        volumes.append({"name": name, "emptyDir": {}})
        mounts.append({"name": name, "mountPath": path})
    return volumes, mounts


def _container(
    name: str, image: Image, args: list[str], env: dict[str, str], ports: list[Port], command: list[str] | None = None
) -> dict[str, Any]:
    """The parts every container shares: image, command and args, env, ports."""
    container: dict[str, Any] = {
        "name": name,
        "image": f"{image.repository}:{image.tag}",
        "imagePullPolicy": "IfNotPresent",
    }
    if command:
        container["command"] = list(command)
    if args:
        container["args"] = list(args)
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in sorted(env.items())]
    if ports:
        container["ports"] = _container_ports(ports)
    return container


def _sidecar(component: Component, sidecar: Sidecar) -> dict[str, Any]:
    by_name = {p.name: p for p in component.ports}
    container = _container(sidecar.name, sidecar.image, sidecar.args, sidecar.env, [by_name[n] for n in sidecar.ports])
    container.update(probes(sidecar.health, component.startup_seconds))
    container["resources"] = _resources(sidecar.resources)
    container["securityContext"] = container_security_context(component, sidecar.name)
    container["volumeMounts"] = [{"name": f"{sidecar.name}-tmp", "mountPath": "/tmp"}]
    return container


def pod_template(resolved: Resolved, component: Component) -> dict[str, Any]:
    """The pod template: restricted security context, probes, resources, volumes and Vault injection."""
    assert component.image is not None and component.resources is not None
    pod = resolved.pods[(component.name, HEARTH_POD)]
    sidecar_ports = {n for s in component.sidecars for n in s.ports}
    main_ports = [p for p in component.ports if p.name not in sidecar_ports]
    volumes, mounts = _writable_mounts(component, "")
    if component.storage is not None:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{component.name}-data"}})
        mounts.append({"name": "data", "mountPath": component.storage.mount_path})
    vault_annotations, vault_volumes = vault_injection(resolved, component)
    volumes += vault_volumes
    credentials = delivered(resolved, component)
    command, args = component.command, component.args
    if credentials.sourced:  # env deliveries: a wrapper sources the agent's files, then runs the entrypoint
        command, args = wrapped([*component.command, *component.args], credentials.sourced), []
    env = {**component.env, **credentials.env}
    main = _container(component.name, component.image, args, env, main_ports, command)
    main.update(probes(component.health, component.startup_seconds))
    main["resources"] = _resources(component.resources)
    main["securityContext"] = container_security_context(component, component.name)
    main["volumeMounts"] = mounts
    containers = [main, *(_sidecar(component, s) for s in component.sidecars)]
    volumes += [{"name": f"{s.name}-tmp", "emptyDir": {}} for s in component.sidecars]
    annotations = {**intent_annotations(resolved, pod), **exception_annotations(component), **vault_annotations}
    spec: dict[str, Any] = {
        "serviceAccountName": component.name,
        "automountServiceAccountToken": component.security.api_access,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(component),
        "containers": containers,
        "volumes": volumes,
    }
    return {
        "metadata": {"labels": standard_labels(component), "annotations": dict(sorted(annotations.items()))},
        "spec": spec,
    }


def render_workload(resolved: Resolved, component: Component) -> list[Manifest]:
    """Deployment (or StatefulSet when it keeps state), Service, PVC and PDB for one hearth component."""
    if component.install.method != "hearth" or component.image is None:
        return []
    labels = standard_labels(component)
    name, ns = component.name, component.namespace
    stateful = component.storage is not None
    spec: dict[str, Any] = {
        "replicas": component.replicas,
        "revisionHistoryLimit": 3,
        "selector": {"matchLabels": selector_labels(component)},
        "template": pod_template(resolved, component),
    }
    if stateful:
        spec["serviceName"] = component.service_name or name
        spec["podManagementPolicy"] = "OrderedReady"
    else:
        spec["strategy"] = {"type": "RollingUpdate"}
    out: list[Manifest] = [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet" if stateful else "Deployment",
            "metadata": metadata(name, ns, labels),
            "spec": spec,
        }
    ]
    if component.ports:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata(component.service_name or name, ns, labels),
                "spec": {
                    "type": "ClusterIP",
                    "selector": selector_labels(component),
                    "ports": [
                        {"name": p.name, "port": p.port, "targetPort": p.name, "protocol": p.protocol}
                        for p in component.ports
                    ],
                },
            }
        )
    if component.storage is not None:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": metadata(f"{name}-data", ns, labels),
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": resolved.catalog.platform.storage_class,
                    "resources": {"requests": {"storage": component.storage.size}},
                },
            }
        )
    out.append(pod_disruption_budget(name, ns, labels, selector_labels(component)))
    return out


def pod_disruption_budget(name: str, namespace: str, labels: dict[str, str], selector: dict[str, str]) -> Manifest:
    """A PDB that lets a voluntary disruption (node drain) evict at most one pod at a time.

    With one replica this means a drain waits for nothing but still records the budget; maxUnavailable 1 keeps
    single-replica workloads drainable, which minAvailable 1 would block forever.
    """
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(name, namespace, labels),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(selector)}},
    }
