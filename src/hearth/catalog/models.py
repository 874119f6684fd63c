"""The typed catalog: what a user states about the platform, once.

Every model forbids unknown keys so a typo is an error, not a silently ignored setting. Validators here check
what one object can check on its own; checks across objects (unknown dependency, cycles, IP clashes) live in
``hearth.catalog.resolve`` because they need the whole catalog.
"""

from __future__ import annotations

import re
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from hearth.catalog.secrets_init import SecretsInit
from hearth.quantity import QuantityError, byte_count, millicores, parse_quantity

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?]+$")


def _dns1123(value: str) -> str:
    if len(value) > 63 or not _DNS1123.match(value):
        raise ValueError(f"{value!r} is not a DNS-1123 label (lowercase letters, digits, '-', at most 63)")
    return value


def _port_name(value: str) -> str:
    if len(value) > 15 or not _PORT_NAME.match(value) or not re.search("[a-z]", value):
        raise ValueError(f"{value!r} is not a valid port name (IANA_SVC_NAME: at most 15 lowercase characters)")
    return value


def _quantity(value: str) -> str:
    try:
        parse_quantity(value)
    except QuantityError as exc:
        raise ValueError(str(exc)) from exc
    return str(value)


def _threshold(value: str) -> str:
    text = str(value)
    if text.endswith("%"):
        number = text[:-1]
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", number) or float(number) > 100:
            raise ValueError(f"{text!r} is not a percentage between 0% and 100%")
        return text
    return _quantity(text)


def _cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ValueError(f"{value!r} is not a five-field cron schedule")
    return value


Name = Annotated[str, AfterValidator(_dns1123)]
PortName = Annotated[str, AfterValidator(_port_name)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Cron = Annotated[str, AfterValidator(_cron)]
Threshold = Annotated[str, AfterValidator(_threshold)]
Protocol = Literal["TCP", "UDP", "SCTP"]

Capability = Literal[
    "namespaces",
    "ingress",
    "service-mesh",
    "secrets",
    "certificates",
    "oidc",
    "metrics",
    "logs",
    "postgres",
    "mysql",
    "mongodb",
    "redis",
    "s3",
    "amqp",
    "clickhouse",
    "container-registry",
    "mail",
]


class Strict(BaseModel):
    """Base for catalog models: unknown keys are errors and loaded values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------------------------- platform


class Node(Strict):
    """One Kubernetes node VM on the Proxmox host."""

    name: Name
    role: Literal["control-plane", "worker"]
    lan_ip: IPv4Address
    wireguard_ip: IPv4Address
    cpu: int = Field(gt=0, description="cores")
    memory: Quantity
    disk: Quantity
    schedulable: bool = True
    purpose: str = ""


class Cni(Strict):
    """The pod network plugin and its encapsulation mode."""

    name: str
    version: str
    mode: str


class ProxmoxHost(Strict):
    """The hypervisor that hosts the node VMs."""

    name: str
    lan_ip: IPv4Address


class Gateway(Strict):
    """The public VPS in front of the cluster: WireGuard server and edge router."""

    name: str
    public_ip: IPv4Address
    wireguard_address: IPv4Address
    wireguard_subnet: IPv4Network
    listen_port: int = Field(ge=1, le=65535)
    services: list[str] = []


class PortAllocation(Strict):
    """A row of the seed's port allocation table. ``port`` may be a range ``2379-2380``."""

    service: str
    port: int | str
    protocol: Protocol
    purpose: str

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
    description: str = ""
    managed: bool = True


class AlertRule(Strict):
    """An alert the seed promises, as data; render turns it into a PrometheusRule."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    severity: Literal["critical", "warning", "info"]
    expr: str
    for_: str = Field(alias="for", pattern=r"^[0-9]+[smhd]$")
    summary: str


class BackupSchedule(Strict):
    """A cluster-wide Velero row of the seed's backup table; per-database dumps live on the component."""

    name: Name
    description: str
    schedule: Cron
    retention: str = Field(pattern=r"^[0-9]+[hdwmy]( [0-9]+[hdwmy])*$")
    target: Name
    include_volumes: bool = False


class SsoSettings(Strict):
    """Which component is the identity provider and which SSO modes exist."""

    provider: Name
    modes: dict[str, str]


class StatedOrder(Strict):
    """An order the seed states in prose (e.g. its 'dependency chain'); checked against the component graph.

    Each step names components or tags (``databases``, ``apps``); a step stands for every component it names.
    """

    name: str
    source: str
    steps: list[list[Name]]


class StatedFigure(Strict):
    """A figure the seed document claims; ``hearth check`` computes the real one and compares."""

    key: str
    claim: str
    value: float | int | str


class Reserved(Strict):
    """CPU and memory the kubelet keeps back for one group of daemons (its ``kubeReserved`` or ``systemReserved``)."""

    cpu: Quantity = "0"
    memory: Quantity = "0"


class EvictionHard(Strict):
    """The kubelet's hard eviction thresholds that lower allocatable: a quantity, or a percentage of capacity."""

    memory_available: Threshold = "100Mi"
    nodefs_available: Threshold = "10%"


def _threshold_bytes(threshold: str, capacity: int) -> int:
    if threshold.endswith("%"):
        return int(capacity * Decimal(threshold[:-1]) / 100)
    return byte_count(threshold)


class KubeletReservation(Strict):
    """What the kubelet of a node keeps from its pods: allocatable = capacity - kube_reserved - system_reserved -
    eviction_hard (kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable)."""

    kube_reserved: Reserved = Reserved()
    system_reserved: Reserved = Reserved()
    eviction_hard: EvictionHard = EvictionHard()

    def allocatable(self, node: Node) -> tuple[int, int, int]:
        """``(millicores, memory bytes, ephemeral-storage bytes)`` the pods of ``node`` may request.

        Only ``memory.available`` lowers allocatable memory and only ``nodefs.available`` allocatable storage;
        like the kubelet, a reservation larger than capacity leaves zero, never less.
        """
        memory, disk = byte_count(node.memory), byte_count(node.disk)
        reserved = (self.kube_reserved, self.system_reserved)
        cpu = node.cpu * 1000 - sum(millicores(r.cpu) for r in reserved)
        memory -= sum(byte_count(r.memory) for r in reserved) + _threshold_bytes(
            self.eviction_hard.memory_available, memory
        )
        disk -= _threshold_bytes(self.eviction_hard.nodefs_available, disk)
        return max(cpu, 0), max(memory, 0), max(disk, 0)


class Kubelet(KubeletReservation):
    """The kubelet's reservations on every node, and on control-plane nodes when they differ (kubespray sets
    ``kube_master_*_reserved`` and ``eviction_hard_control_plane`` apart)."""

    control_plane: KubeletReservation | None = None

    def for_node(self, node: Node) -> KubeletReservation:
        """The reservation that applies on ``node``."""
        if node.role == "control-plane" and self.control_plane is not None:
            return self.control_plane
        return self


class Toleration(Strict):
    """A toleration of a system pod, as its installer writes it."""

    key: str | None = None
    operator: Literal["Exists", "Equal"] = "Equal"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Toleration:
        if self.operator == "Exists" and self.value is not None:
            raise ValueError("a toleration with operator Exists takes no value")
        if self.operator == "Equal" and self.key is None:
            raise ValueError("a toleration with operator Equal needs a key")
        return self


class SystemPod(Strict):
    """A pod the cluster installer runs on the nodes (CNI, DNS, kube-proxy, control-plane static pods).

    hearth does not deploy it; it is described so that capacity counts its requests. ``kind`` says where its pods
    run: a DaemonSet one per node, a Deployment ``replicas`` wherever they fit, a StaticPod one per node of
    ``nodes`` (the kubelet runs the manifest the installer writes there, without the scheduler).
    """

    name: Name
    namespace: Name = "kube-system"
    kind: Literal["DaemonSet", "Deployment", "StaticPod"]
    replicas: int = Field(default=1, ge=1)
    nodes: Literal["all", "control-plane", "worker"] = "all"
    labels: dict[str, str] = Field(min_length=1)
    image: Image
    requests: ResourceAmounts | None = Field(default=None, description="none: the pod requests nothing")
    host_network: bool = False
    ports: list[Port] = []
    tolerations: list[Toleration] = []
    source: str = Field(min_length=10, description="where the figures come from (file and variables)")

    @model_validator(mode="after")
    def _coherent(self) -> SystemPod:
        if self.replicas != 1 and self.kind != "Deployment":
            raise ValueError(f"replicas is for Deployments; a {self.kind} runs one pod per node")
        if self.nodes != "all" and self.kind != "StaticPod":
            raise ValueError(
                f"nodes restricts static pods, whose manifests the installer writes on those nodes; a {self.kind} "
                "runs wherever the scheduler places it"
            )
        if self.host_network and self.ports:
            raise ValueError(
                "a host-network pod listens on the node's address, which NetworkPolicy pod selectors do not reach: "
                "state no ports"
            )
        names = [p.name for p in self.ports]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"port name {dup[0]!r} is declared twice")
        return self

    def runs_on(self, node: Node) -> bool:
        """A static pod's manifest is on ``node`` (always true for the other kinds)."""
        return self.kind != "StaticPod" or self.nodes in ("all", node.role)


class Platform(Strict):
    """Everything about the platform that is not one component."""

    name: Name
    description: str = ""
    domain: str
    kubernetes_version: str = Field(pattern=r"^v1\.[0-9]+\.[0-9]+$")
    cni: Cni
    storage_class: Name
    lan_subnet: IPv4Network
    pod_cidr: IPv4Network
    service_cidr: IPv4Network
    node_local_dns: IPv4Address | None = Field(
        default=None, description="link-local address of the node-local DNS cache pods resolve through, if any"
    )
    proxmox: ProxmoxHost
    gateway: Gateway
    nodes: list[Node] = Field(min_length=1)
    ports: list[PortAllocation] = []
    namespaces: list[Namespace]
    scrape_interval: str = Field(pattern=r"^[0-9]+[smh]$")
    alerts: list[AlertRule] = []
    backups: list[BackupSchedule] = []
    sso: SsoSettings
    database_allocation: dict[Name, list[Name]] = {}
    stated_orders: list[StatedOrder] = []
    stated_figures: list[StatedFigure] = []
    kubelet: Kubelet = Kubelet()
    system_pods: list[SystemPod] = []

    @field_validator("system_pods")
    @classmethod
    def _unique_system_pods(cls, pods: list[SystemPod]) -> list[SystemPod]:
        keys = [f"{p.namespace}/{p.name}" for p in pods]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"system pod {dup[0]} is listed twice")
        return pods


# ---------------------------------------------------------------------------------------------- component


class Port(Strict):
    """A port a component's containers listen on."""

    name: PortName
    port: int = Field(ge=1, le=65535)
    protocol: Protocol = "TCP"


class Image(Strict):
    """Container image; the tag is pinned, never ``latest``."""

    repository: str
    tag: str

    @model_validator(mode="after")
    def _pinned(self) -> Image:
        if self.tag in ("latest", ""):
            raise ValueError("tag must be pinned (not 'latest')")
        return self


class Health(Strict):
    """How to tell the component is healthy: an HTTP endpoint, a TCP connect or the protocol's own check."""

    kind: Literal["http", "tcp", "exec"]
    port: PortName | None = None
    path: str | None = None
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    command: list[str] = []

    @model_validator(mode="after")
    def _complete(self) -> Health:
        if self.kind == "http" and (self.port is None or not (self.path or "").startswith("/")):
            raise ValueError("an http health check needs a port and a path starting with '/'")
        if self.kind == "tcp" and self.port is None:
            raise ValueError("a tcp health check needs a port")
        if self.kind == "exec" and not self.command:
            raise ValueError("an exec health check needs a command")
        return self


class Metrics(Strict):
    """Where Prometheus scrapes the component, or one pod of its upstream chart (``install.pods[].metrics``).

    A component's ``metrics`` is scraped on the first pod that carries its port; any other pod of an upstream
    chart that serves metrics states its own, so that nothing is scraped on a port that does not serve them.
    """

    port: PortName
    path: str = "/metrics"
    scraped_by: Literal["hearth", "chart"] = Field(
        default="hearth",
        description="chart: the upstream chart's own monitor scrapes it (stated where it cannot be switched off)",
    )


class Storage(Strict):
    """The component's persistent volume."""

    size: Quantity
    mount_path: str = Field(pattern=r"^/")


class ResourceAmounts(Strict):
    """CPU and memory, as Kubernetes quantities."""

    cpu: Quantity
    memory: Quantity


class Resources(Strict):
    """Requests (what the scheduler reserves) and limits (the ceiling)."""

    requests: ResourceAmounts
    limits: ResourceAmounts

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        if parse_quantity(self.limits.cpu) < parse_quantity(self.requests.cpu):
            raise ValueError("limits.cpu is below requests.cpu")
        if parse_quantity(self.limits.memory) < parse_quantity(self.requests.memory):
            raise ValueError("limits.memory is below requests.memory")
        return self


class Provide(Strict):
    """A capability the component offers to others, on one of its ports (``pod`` for multi-pod charts)."""

    capability: Capability
    port: PortName | None = None
    pod: Name | None = None


class Sidecar(Strict):
    """A further container in the component's pod: an exporter, or one service of a multi-service app.

    ``health`` is probed like the main container's (liveness, readiness and startup probes); its port must be one
    of the sidecar's own ports, since a probe's named port is looked up on the probed container.
    """

    name: Name
    image: Image
    purpose: str
    ports: list[PortName] = []
    resources: Resources
    args: list[str] = []
    env: dict[str, str] = {}
    health: Health | None = None


class Webhook(Strict):
    """An admission webhook the component serves; the API server must reach it on this port."""

    port: PortName
    pod: Name | None = None


class ChartRef(Strict):
    """A pinned upstream Helm chart."""

    repo: str
    name: str
    version: str


class ChartPod(Strict):
    """A pod an upstream chart creates, with the labels its templates apply (so policies can select it)."""

    name: Name
    labels: dict[str, str] = Field(min_length=1)
    ports: list[PortName] = []
    kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment"
    replicas: int = Field(default=1, ge=0)
    resources: Resources | None = None
    service: Name | None = Field(default=None, description="the chart's Service for this pod, if not the default")
    service_ports: dict[PortName, int] = Field(
        default={}, description="the port the chart's Service exposes for a container port, where the two differ"
    )
    talks_to: list[Name] = Field(default=[], description="pods of the same chart this pod connects to (itself: peers)")
    api_access: bool = False
    metrics: Metrics | None = Field(
        default=None, description="where Prometheus scrapes this pod, when not the component's metrics port"
    )
    source: str = ""


class Install(Strict):
    """How the component is installed: rendered by hearth, or from a pinned upstream chart."""

    method: Literal["hearth", "chart"]
    reason: str
    chart: ChartRef | None = None
    pods: list[ChartPod] = []
    values: dict[str, Any] = {}

    @model_validator(mode="after")
    def _chart_complete(self) -> Install:
        if self.method == "chart" and (self.chart is None or not self.pods):
            raise ValueError("an upstream chart install needs 'chart' and the 'pods' it creates")
        if self.method == "hearth" and (self.chart is not None or self.pods):
            raise ValueError("'chart' and 'pods' belong to method: chart")
        return self


# The sysctls Kubernetes calls safe and Pod Security Standards allow in every profile
# (kubernetes.io/docs/concepts/security/pod-security-standards, "Sysctls").
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)


class SecurityException(Strict):
    """A stated departure from the restricted securityContext, with the reason it is needed."""

    kind: Literal["run-as-root", "capability", "writable-root-filesystem", "host-path", "privileged"]
    value: str | None = None
    container: Name | None = Field(default=None, description="the one container it applies to (default: all)")
    reason: str = Field(min_length=10)


class Security(Strict):
    """The identity the container runs as and where it may write; everything else is the secure default."""

    run_as_user: int = Field(default=65532, ge=0)
    run_as_group: int | None = None
    fs_group: int | None = None
    writable_paths: list[str] = ["/tmp"]
    exceptions: list[SecurityException] = []
    api_access: bool = False
    sysctls: dict[str, str] = Field(default={}, description="namespaced safe sysctls only")

    @model_validator(mode="after")
    def _safe_sysctls(self) -> Security:
        unsafe = sorted(set(self.sysctls) - SAFE_SYSCTLS)
        if unsafe:
            raise ValueError(f"sysctl {unsafe[0]!r} is not one of the safe sysctls Pod Security allows")
        return self

    @model_validator(mode="after")
    def _root_is_stated(self) -> Security:
        if self.run_as_user == 0 and not any(e.kind == "run-as-root" for e in self.exceptions):
            raise ValueError("run_as_user 0 needs an exception of kind run-as-root with a reason")
        return self


class Web(Strict):
    """A component reached by people through Traefik."""

    host: Name
    port: PortName
    sso: Literal["oidc", "forward-auth", "none"]
    sso_reason: str = ""


class Backup(Strict):
    """The component's own backup: a dump by the protocol's tool, a volume backup, or none (with why)."""

    method: Literal["dump", "volume", "replication", "none"]
    schedule: Cron | None = None
    retention: str | None = Field(default=None, pattern=r"^[0-9]+[hdwmy]( [0-9]+[hdwmy])*$")
    reason: str = ""

    @model_validator(mode="after")
    def _schedule_when_needed(self) -> Backup:
        if self.method in ("dump", "volume") and (self.schedule is None or self.retention is None):
            raise ValueError(f"backup method {self.method} needs a schedule and a retention")
        if self.method in ("none", "replication") and not self.reason:
            raise ValueError(f"backup method {self.method} needs a reason")
        return self


class Component(Strict):
    """One service of the platform, as the user states it."""

    name: Name
    display_name: str
    namespace: Name
    version: str
    description: str = ""
    service_name: Name | None = Field(default=None, description="Service name, when not the component name")
    install: Install
    image: Image | None = None
    sidecars: list[Sidecar] = []
    ports: list[Port] = []
    health: Health | None = None
    metrics: Metrics | None = None
    storage: Storage | None = None
    resources: Resources | None = None
    replicas: int = Field(default=1, ge=0)
    provides: list[Provide] = []
    webhooks: list[Webhook] = []
    needs: list[Name] = []
    web: Web | None = None
    backup: Backup | None = None
    security: Security = Security()
    command: list[str] = []
    args: list[str] = []
    env: dict[str, str] = {}
    tags: list[Name] = []
    startup_seconds: int = Field(default=30, ge=0)
    sources: list[str] = []
    secrets_init: SecretsInit | None = Field(default=None, description="a secrets provider's init and unseal facts")

    @model_validator(mode="after")
    def _coherent(self) -> Component:
        names = [p.name for p in self.ports]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"port name {dup[0]!r} is declared twice")
        numbers = [(p.port, p.protocol) for p in self.ports]
        clash = sorted({n for n in numbers if numbers.count(n) > 1})
        if clash:
            raise ValueError(f"port {clash[0][0]}/{clash[0][1]} is declared twice")
        referenced: list[tuple[str, str | None]] = [
            ("health.port", self.health.port if self.health else None),
            ("metrics.port", self.metrics.port if self.metrics else None),
            ("web.port", self.web.port if self.web else None),
        ]
        referenced += [(f"provides.{p.capability}.port", p.port) for p in self.provides]
        referenced += [("webhooks.port", w.port) for w in self.webhooks]
        pods = {pod.name for pod in self.install.pods}
        for where, pod_name in [
            *((f"provides.{p.capability}.pod", p.pod) for p in self.provides),
            *(("webhooks.pod", w.pod) for w in self.webhooks),
        ]:
            if pod_name is not None and pod_name not in pods:
                raise ValueError(f"{where} names pod {pod_name!r}, which install.pods does not declare")
        for pod in self.install.pods:
            referenced += [(f"install.pods.{pod.name}.ports", n) for n in pod.ports]
            if pod.metrics is not None and pod.metrics.port not in pod.ports:
                raise ValueError(
                    f"install.pods.{pod.name}.metrics names port {pod.metrics.port!r}, which the pod does not carry"
                )
        for pod in self.install.pods:
            for mapped, number in pod.service_ports.items():
                if mapped not in pod.ports or not 1 <= number <= 65535:
                    raise ValueError(
                        f"install.pods.{pod.name}.service_ports.{mapped}: not a port of the pod, or not in 1-65535"
                    )
            for peer in pod.talks_to:
                if peer not in pods:
                    raise ValueError(f"install.pods.{pod.name}.talks_to names {peer!r}, not a pod of this chart")
        for sidecar in self.sidecars:
            referenced += [(f"sidecars.{sidecar.name}.ports", n) for n in sidecar.ports]
            probed = sidecar.health.port if sidecar.health else None
            if probed is not None and probed not in sidecar.ports:
                raise ValueError(
                    f"sidecars.{sidecar.name}.health names port {probed!r}, which is not one of the sidecar's ports"
                )
        for where, port_name in referenced:
            if port_name is not None and port_name not in names:
                raise ValueError(f"{where} names port {port_name!r}, which the component does not declare")
        scraped_by_chart = [m for m in [self.metrics, *(p.metrics for p in self.install.pods)] if m is not None]
        if self.install.method == "hearth" and any(m.scraped_by == "chart" for m in scraped_by_chart):
            raise ValueError("metrics.scraped_by: chart is for components installed from an upstream chart")
        containers = {self.name, *(s.name for s in self.sidecars)}
        for exception in self.security.exceptions:
            if exception.container is not None and exception.container not in containers:
                raise ValueError(
                    f"security exception {exception.kind} names container {exception.container!r}, which is neither "
                    "the component nor one of its sidecars"
                )
        if self.install.method == "chart" and self.security.api_access:
            raise ValueError("security.api_access is for hearth workloads; mark the chart's pods with api_access")
        if self.install.method == "hearth" and self.image is not None and self.resources is None:
            raise ValueError("a workload rendered by hearth needs resources (requests and limits)")
        if self.name in self.needs:
            raise ValueError("a component cannot need itself")
        return self

    def capabilities(self) -> set[str]:
        """The capability names this component provides."""
        return {p.capability for p in self.provides}


class Catalog(BaseModel):
    """The whole platform: the platform settings and every component, keyed by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    components: dict[str, Component]
