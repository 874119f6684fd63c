"""Descriptions of what the cluster itself, or an upstream chart, runs: written under ``build/cluster/``.

They are not applied. They let the auditor, which reads manifests only, see the nodes it must fit pods on,
the DNS every pod must reach, and the pods upstream charts create (with the labels those charts apply).
"""

from __future__ import annotations

from typing import Any

from hearth.quantity import byte_count
from hearth.render.defaults import ANNOTATION, metadata
from hearth.render.intent import intent_annotations
from hearth.render.model import Manifest
from hearth.resolve import Pod, Resolved

DNS_SERVICE = "kube-dns"


def render_nodes(resolved: Resolved) -> list[Manifest]:
    """A Node object per platform node, with capacity and allocatable as the kubelet would report them.

    Allocatable equals capacity here: kubespray reserves nothing by default (kube_reserved: false), so the
    scheduler may use the whole VM. That is the optimistic case; the auditor reports against it.
    """
    nodes = []
    for node in resolved.catalog.platform.nodes:
        labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux"}
        if node.role == "control-plane":
            labels["node-role.kubernetes.io/control-plane"] = ""
        capacity = {"cpu": str(node.cpu), "memory": node.memory, "ephemeral-storage": node.disk, "pods": "110"}
        nodes.append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": metadata(
                    node.name,
                    None,
                    labels,
                    {
                        f"{ANNOTATION}/stand-in": "describes the node; the kubelet registers it",
                        f"{ANNOTATION}/disk-bytes": str(byte_count(node.disk)),
                    },
                ),
                "spec": {} if node.schedulable else {"unschedulable": True},
                "status": {
                    "capacity": capacity,
                    "allocatable": dict(capacity),
                    "addresses": [
                        {"type": "InternalIP", "address": str(node.lan_ip)},
                        {"type": "Hostname", "address": node.name},
                    ],
                },
            }
        )
    return nodes


def render_cluster_dns() -> list[Manifest]:
    """CoreDNS as kubespray deploys it: Service kube-system/kube-dns and its pods (label k8s-app=kube-dns)."""
    stand_in = {f"{ANNOTATION}/stand-in": "CoreDNS, deployed by kubespray"}
    ports = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(DNS_SERVICE, "kube-system", {"k8s-app": "kube-dns"}, stand_in),
            "spec": {
                "selector": {"k8s-app": "kube-dns"},
                "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata("coredns", "kube-system", {"k8s-app": "kube-dns"}, stand_in),
            "spec": {
                "containers": [
                    {
                        "name": "coredns",
                        "image": "registry.k8s.io/coredns/coredns:v1.10.1",
                        "ports": [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports],
                    }
                ]
            },
        },
    ]


def _stand_in_pod(resolved: Resolved, pod: Pod) -> list[Manifest]:
    component = resolved.component(pod.component)
    chart = component.install.chart
    assert chart is not None
    stand_in = {f"{ANNOTATION}/stand-in": f"pod created by upstream chart {chart.name} {chart.version}"}
    annotations = {
        **stand_in,
        f"{ANNOTATION}/workload-kind": pod.kind,
        f"{ANNOTATION}/replicas": str(pod.replicas),
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
                    {f"{ANNOTATION}/stand-in": f"the volume upstream chart {chart.name} claims"},
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
                        {"name": p.name, "port": p.port, "targetPort": p.port, "protocol": p.protocol}
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
