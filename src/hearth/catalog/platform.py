"""The platform half of the catalog (``platform.yaml``): nodes, networks, the gateway, namespaces, the port
allocation, backups and SSO. Its alerting and dashboards are in ``hearth.catalog.alerting``, the kubelet's
reservations and the pods the cluster installer runs in ``hearth.catalog.kubelet``.

Models here check the shape of one value; rules between values (duplicate IPs, overlapping networks, system pods
listed twice, replicas of a DaemonSet) are in ``hearth.catalog.checks``, which names the field of each problem.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hearth.catalog.alerting import AlertRouting, AlertRule, Dashboard
from hearth.catalog.fields import (
    Address,
    Cron,
    Name,
    Network,
    PortNumber,
    Protocol,
    Quantity,
    Retention,
    Strict,
)
from hearth.catalog.kubelet import Kubelet, SystemPod
from hearth.catalog.provisioning import Provisioning


class Node(Strict):
    """One Kubernetes node VM on the Proxmox host."""

    name: Name
    """the node's hostname and Kubernetes node name."""
    role: Literal["control-plane", "worker"]
    """control-plane (runs the API server, etcd host) or worker."""
    lan_ip: Address
    """the node's address on lan_subnet."""
    wireguard_ip: Address
    """the node's address in the gateway's WireGuard subnet."""
    cpu: int = Field(gt=0, description="CPU cores of the VM")
    memory: Quantity
    """memory of the VM, as a quantity (e.g. 16Gi)."""
    disk: Quantity
    """disk of the VM, as a quantity (e.g. 100Gi); hostpath volumes share it."""
    schedulable: bool = True
    """whether ordinary pods may run on it (false: the node is cordoned)."""
    purpose: str = ""
    """what the node is for, in words."""


class Cni(Strict):
    """The pod network plugin and its encapsulation mode."""

    name: str
    """the CNI plugin (e.g. calico)."""
    version: str
    """its pinned version (e.g. v3.28.0)."""
    mode: str
    """its encapsulation mode (e.g. Calico's IPIPCrossSubnet)."""


class ProxmoxHost(Strict):
    """The hypervisor that hosts the node VMs."""

    name: str
    """the Proxmox host's name."""
    lan_ip: Address
    """the Proxmox host's address on lan_subnet."""


class Gateway(Strict):
    """The public VPS in front of the cluster: WireGuard server and edge router."""

    name: str
    """the VPS's name."""
    public_ip: Address
    """the VPS's public address, which public hostnames resolve to."""
    wireguard_address: Address
    """the VPS's own address in the WireGuard subnet."""
    wireguard_subnet: Network
    """the WireGuard tunnel network shared by the VPS and the nodes."""
    listen_port: PortNumber
    """the UDP port WireGuard listens on."""
    services: list[str] = []
    """what runs on the VPS, in words."""
    tls: Literal["acme", "operator"] = Field(
        default="acme",
        description="how the edge Traefik gets its certificates: Let's Encrypt (ACME HTTP-01 on port 80), or files "
        "the operator puts on the VPS",
    )


class PortAllocation(Strict):
    """A row of the seed's port allocation table. ``port`` may be a range ``2379-2380``."""

    service: str
    """what holds the port, in words."""
    port: int | str
    """a port number, or a range written low-high (e.g. 2379-2380)."""
    protocol: Protocol
    """TCP, UDP or SCTP."""
    purpose: str
    """what the port is for."""

    @model_validator(mode="after")
    def _port_range(self) -> PortAllocation:
        low, high = self.bounds()
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"port {self.port!r} is not a port or an ascending range within 1-65535")
        return self

    def bounds(self) -> tuple[int, int]:
        """The first and last port of the allocation."""
        if isinstance(self.port, int):
            return self.port, self.port
        parts = str(self.port).split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"port {self.port!r} is not a port or a range like 2379-2380")
        return int(parts[0]), int(parts[1])


class Namespace(Strict):
    """A namespace the platform uses; ``managed`` ones are created and locked down by hearth."""

    name: Name
    """the namespace's name."""
    description: str = ""
    """what lives in it."""
    managed: bool = True
    """created by hearth with Pod Security labels and default policies (false: it exists already, e.g. default)."""


class BackupSchedule(Strict):
    """A cluster-wide Velero row of the seed's backup table; per-database dumps live on the component."""

    name: Name
    """the schedule's name (a Velero Schedule)."""
    description: str
    """what it backs up, in words."""
    schedule: Cron
    """a cron schedule (5 fields, e.g. '0 2 * * *')."""
    retention: Retention
    """how long each backup is kept (e.g. 7d, 30d, 1y)."""
    target: Name
    """the component that stores the backups (provides s3)."""
    include_volumes: bool = False
    """back up the contents of persistent volumes too, not only the objects."""


class SsoSettings(Strict):
    """Which component is the identity provider and which SSO modes exist."""

    provider: Name
    """the component that is the identity provider (provides oidc)."""
    modes: dict[str, str]
    """each SSO mode a component's web.sso may name, with what it means."""


class Platform(Strict):
    """Everything about the platform that is not one component."""

    name: Name
    """the platform's name (a DNS label)."""
    description: str = ""
    """one sentence on what the platform is for."""
    domain: str
    """the DNS domain every public hostname lives under (web.host + '.' + domain); ${domain} in component settings."""
    kubernetes_version: str = Field(pattern=r"^v1\.[0-9]+\.[0-9]+$")
    """the Kubernetes release the cluster runs (vX.Y.Z); kubespray installs it and charts' kubeVersion is checked
    against it.
    """
    cni: Cni
    """the pod network plugin, its version and mode."""
    storage_class: Name
    """the StorageClass every PersistentVolumeClaim uses."""
    lan_subnet: Network
    """the home LAN the Proxmox host and the node VMs are on."""
    pod_cidr: Network
    """the cluster's pod address range (kubespray kube_pods_subnet)."""
    service_cidr: Network
    """the cluster's Service address range (kubespray kube_service_addresses)."""
    node_local_dns: Address | None = Field(
        default=None, description="link-local address of the node-local DNS cache pods resolve through, if any"
    )
    proxmox: ProxmoxHost
    """the hypervisor the node VMs run on."""
    gateway: Gateway
    """the public VPS: WireGuard server and edge router in front of the cluster."""
    nodes: list[Node] = Field(min_length=1)
    """the Kubernetes node VMs, each with its addresses and size."""
    ports: list[PortAllocation] = []
    """the port allocation table: the well-known ports the platform reserves, with what holds each."""
    namespaces: list[Namespace]
    """every namespace the components live in; managed ones are created and locked down by hearth."""
    scrape_interval: str = Field(pattern=r"^[0-9]+[smh]$")
    """how often Prometheus scrapes each target (e.g. 30s)."""
    provisioning: Provisioning = Provisioning()
    """how build/ansible makes the node VMs and installs Kubernetes."""
    alerts: list[AlertRule] = []
    """the alert rules, rendered as a PrometheusRule."""
    alert_routing: AlertRouting | None = None
    """Alertmanager's routes to Slack by severity; none: alerts are not routed."""
    dashboards: list[Dashboard] = []
    """Grafana dashboards from grafana.com to provision."""
    backups: list[BackupSchedule] = []
    """the cluster-wide Velero backup schedules (per-database dumps are on the components)."""
    sso: SsoSettings
    """the identity provider and the SSO modes components may use."""
    kubelet: Kubelet = Kubelet()
    """what the kubelet of each node keeps back from pods (allocatable = capacity - reserved - eviction)."""
    system_pods: list[SystemPod] = []
    """pods the cluster installer runs (CNI, DNS, control plane), described so capacity counts them."""
