"""Descriptions of what the cluster itself, or an upstream chart, runs: written under ``build/cluster/``.

They are not applied. They let the auditor, which reads manifests only, see the nodes it must fit pods on (with
the allocatable their kubelets report), the DNS every pod must reach, the pods the cluster installer runs on the
nodes (the catalog's ``system_pods``), and the pods upstream charts create (with the labels those charts apply).
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Kubelet, Node, SystemPod
from hearth.contract import DISK_BYTES, REPLICAS, STAND_IN, WORKLOAD_KIND
from hearth.quantity import byte_count, parse_quantity
from hearth.render.defaults import metadata
from hearth.render.intent import intent_annotations
from hearth.render.model import Manifest
from hearth.render.network import DNS_LABELS
from hearth.resolve.records import Pod, Resolved

DNS_SERVICE = "kube-dns"
DNS_PORTS = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]
MAX_PODS = "110"  # kubespray's kubelet_max_pods, the kubelet's default maxPods


def _cpu(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _bytes(value: int) -> str:
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if value % size == 0 and value:
            return f"{value // size}{unit}"
    return str(value)


def node_allocatable(node: Node, kubelet: Kubelet) -> dict[str, str]:
    """``status.allocatable`` as the node's kubelet reports it: capacity less what its reservation keeps back."""
    cpu, memory, disk = kubelet.for_node(node).allocatable(node)
    return {"cpu": _cpu(cpu), "memory": _bytes(memory), "ephemeral-storage": _bytes(disk), "pods": MAX_PODS}


def render_nodes(resolved: Resolved) -> list[Manifest]:
    """A Node object per platform node, with capacity as stated and allocatable as the kubelet would report it.

    Allocatable is capacity less the platform's ``kubelet`` reservations (kube-reserved, system-reserved and the
    hard eviction thresholds); the disk itself stays in ``hearth.dev/disk-bytes`` for the storage check.
    """
    platform = resolved.catalog.platform
    nodes = []
    for node in platform.nodes:
        labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"}
        if node.role == "control-plane":
            labels["node-role.kubernetes.io/control-plane"] = ""
        capacity = {"cpu": str(node.cpu), "memory": node.memory, "ephemeral-storage": node.disk, "pods": MAX_PODS}
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": metadata(
                    node.name,
                    None,
                    labels,
                    {
                        STAND_IN: "describes the node; the kubelet registers it",
                        DISK_BYTES: str(byte_count(node.disk)),
                    },
                ),
                "spec": {} if node.schedulable else {"unschedulable": True},
                "status": {
                    "capacity": capacity,
                    "allocatable": node_allocatable(node, platform.kubelet),
                    "addresses": [
                        {"type": "InternalIP", "address": str(node.lan_ip)},
                        {"type": "Hostname", "address": node.name},
                    ],
                },
            }
        )
    return nodes


def _dns_service() -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(
            DNS_SERVICE, "kube-system", dict(DNS_LABELS), {STAND_IN: "CoreDNS, deployed by kubespray"}
        ),
        "spec": {
            "selector": dict(DNS_LABELS),
            "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in DNS_PORTS],
        },
    }


def _bare_dns_pod() -> Manifest:
    """CoreDNS without requests, for a catalog that states no system pod behind kube-dns."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata("coredns", "kube-system", dict(DNS_LABELS), {STAND_IN: "CoreDNS, deployed by kubespray"}),
        "spec": {
            "containers": [
                {
                    "name": "coredns",
                    "image": "registry.k8s.io/coredns/coredns:v1.10.1",
                    "ports": [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in DNS_PORTS],
                }
            ]
        },
    }


_STAND_IN = {
    "StaticPod": "static pod the kubelet runs from the cluster installer's manifest",
    "DaemonSet": "DaemonSet the cluster installer deploys",
    "Deployment": "Deployment the cluster installer deploys",
}


def _system_pod(pod: SystemPod, node: Node | None) -> Manifest:
    """The stand-in of one system pod; ``node``: the node a static pod's mirror Pod is bound to."""
    container: dict[str, Any] = {"name": pod.name, "image": f"{pod.image.repository}:{pod.image.tag}"}
    if pod.ports:
        container["ports"] = [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in pod.ports]
    requests = {}
    if pod.requests is not None:
        amounts = (("cpu", pod.requests.cpu), ("memory", pod.requests.memory))
        requests = {k: v for k, v in amounts if parse_quantity(v)}
    if requests:
        container["resources"] = {"requests": requests}
    spec: dict[str, Any] = {}
    tolerations = [t.model_dump(exclude_none=True) for t in pod.tolerations]
    if node is not None:
        # The kubelet names a static pod's mirror Pod <name>-<node>, binds it with spec.nodeName and adds this
        # toleration (kubernetes pkg/kubelet/config/common.go, applyDefaults).
        spec["nodeName"] = node.name
        tolerations.append({"operator": "Exists", "effect": "NoExecute"})
    if pod.host_network:
        spec["hostNetwork"] = True
    spec["containers"] = [container]
    if tolerations:
        spec["tolerations"] = tolerations
    kind = "Pod" if node is not None else pod.kind
    annotations = {
        STAND_IN: f"{_STAND_IN[pod.kind]}; requests per {pod.source}",
        WORKLOAD_KIND: kind,
        REPLICAS: str(pod.replicas),
    }
    name = pod.name if node is None else f"{pod.name}-{node.name}"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(name, pod.namespace, pod.labels, annotations),
        "spec": spec,
    }


def render_kube_system(resolved: Resolved) -> list[Manifest]:
    """What the cluster itself runs: Service kube-system/kube-dns and a stand-in Pod per system pod of the catalog.

    DaemonSets and Deployments are one stand-in each (``hearth.dev/workload-kind``, ``hearth.dev/replicas``); a
    static pod is one mirror Pod per node it runs on, bound there by ``spec.nodeName``. A catalog without a
    system pod behind kube-dns still gets a CoreDNS stand-in (without requests), so DNS intent can be measured.
    """
    platform = resolved.catalog.platform
    out: list[Manifest] = [_dns_service()]
    if not any(DNS_LABELS.items() <= p.labels.items() for p in platform.system_pods):
        out.append(_bare_dns_pod())
    for pod in platform.system_pods:
        if pod.kind != "StaticPod":
            out.append(_system_pod(pod, None))
            continue
        out += [_system_pod(pod, node) for node in platform.nodes if pod.runs_on(node)]
    return out


def _stand_in_pod(resolved: Resolved, pod: Pod) -> list[Manifest]:
    component = resolved.component(pod.component)
    chart = component.install.chart
    assert chart is not None
    stand_in = {STAND_IN: f"pod created by upstream chart {chart.name} {chart.version}"}
    annotations = {
        **stand_in,
        WORKLOAD_KIND: pod.kind,
        REPLICAS: str(pod.replicas),
        **intent_annotations(resolved, pod),
    }
    container: dict[str, Any] = {
        "name": pod.name,
        "image": f"{component.image.repository}:{component.image.tag}" if component.image else "upstream",
        "ports": [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in pod.ports],
    }
    if pod.resources is not None:
        container["resources"] = {
            "requests": {"cpu": pod.resources.requests.cpu, "memory": pod.resources.requests.memory},
            "limits": {"cpu": pod.resources.limits.cpu, "memory": pod.resources.limits.memory},
        }
    name = component.name if pod.name == "main" else f"{component.name}-{pod.name}"
    spec: dict[str, Any] = {"containers": [container]}
    out: list[Manifest] = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata(name, pod.namespace, pod.labels, annotations),
            "spec": spec,
        }
    ]
    if component.storage is not None and pod == storage_pod(resolved, component.name):
        claim = f"{component.name}-data"
        container["volumeMounts"] = [{"name": "data", "mountPath": component.storage.mount_path}]
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]
        out.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": metadata(
                    claim,
                    pod.namespace,
                    pod.labels,
                    {STAND_IN: f"the volume upstream chart {chart.name} claims"},
                ),
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": resolved.catalog.platform.storage_class,
                    "resources": {"requests": {"storage": component.storage.size}},
                },
            }
        )
    if pod.ports:
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata(pod.service, pod.namespace, pod.labels, stand_in),
                "spec": {
                    "selector": dict(pod.labels),
                    "ports": [
                        {"name": p.name, "port": pod.service_port(p), "targetPort": p.port, "protocol": p.protocol}
                        for p in pod.ports
                    ],
                },
            }
        )
    return out


def storage_pod(resolved: Resolved, component_name: str) -> Pod | None:
    """The pod of an upstream chart that mounts the component's volume: its first StatefulSet pod, else its first.

    The catalog states one volume per component; which chart pod claims it is the chart's business, and the
    first StatefulSet is where charts keep their data.
    """
    pods = resolved.pods_of(component_name)
    return next((p for p in pods if p.kind == "StatefulSet"), pods[0] if pods else None)


def render_upstream_stand_ins(resolved: Resolved, component_name: str) -> list[Manifest]:
    """Stand-in Pods and Services for the pods an upstream chart creates."""
    out: list[Manifest] = []
    for pod in resolved.pods_of(component_name):
        if pod.upstream:
            out += _stand_in_pod(resolved, pod)
    return out
