"""The component half of the catalog (``services/<namespace>/<name>.yaml``): one service of the platform, how it
is installed, what it listens on, provides, needs and stores, and how it is secured and backed up.

Models here check the shape of one value; rules between values (a health check naming a port the component does
not declare, a port declared twice, a component needing itself) are in ``hearth.catalog.checks``, which names the
field of each problem.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import (
    Capability,
    Cron,
    Image,
    Name,
    Port,
    PortName,
    PortNumber,
    Protocol,
    Quantity,
    ResourceAmounts,
    Retention,
    Strict,
)
from hearth.catalog.secrets_init import SecretsInit
from hearth.quantity import parse_quantity


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
    service_ports: dict[PortName, PortNumber] = Field(
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


class ExternalPort(Strict):
    """A port outside the cluster, by number and protocol."""

    port: PortNumber
    protocol: Protocol = "TCP"


class Egress(Strict):
    """A connection a component opens to something outside the cluster.

    ``internet``: any public address (the pod, service, LAN and tunnel ranges excepted); ``gateway``: the gateway
    VPS's public address. ``pod`` limits it to one pod of an upstream chart (default: every pod).
    """

    to: Literal["internet", "gateway"]
    ports: list[ExternalPort] = Field(min_length=1)
    pod: Name | None = None
    reason: str = Field(min_length=10)


class Web(Strict):
    """A component reached by people through Traefik."""

    host: Name
    port: PortName
    sso: Literal["oidc", "forward-auth", "none"]
    internal_service: str | None = Field(
        default=None,
        description="route to a service the router serves itself (Traefik's api@internal), not to the port's Service",
    )
    sso_reason: str = ""


class Backup(Strict):
    """The component's own backup: a dump by the protocol's tool, a volume backup, or none (with why)."""

    method: Literal["dump", "volume", "replication", "none"]
    schedule: Cron | None = None
    retention: Retention | None = None
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
    order_only: dict[Name, str] = Field(
        default={}, description="needs that order the deploy without any traffic, each with the reason"
    )
    egress: list[Egress] = Field(default=[], description="what the component reaches outside the cluster, and why")
    web: Web | None = None
    public_tcp: list[PortName] = Field(
        default=[], description="ports the gateway publishes as raw TCP through the tunnel (e.g. SMTP, IMAPS)"
    )
    backup: Backup | None = None
    secrets_init: SecretsInit | None = Field(default=None, description="a secrets provider's init and unseal facts")
    security: Security = Security()
    command: list[str] = []
    args: list[str] = []
    env: dict[str, str] = {}
    tags: list[Name] = []
    startup_seconds: int = Field(default=30, ge=0)
    sources: list[str] = []

    def capabilities(self) -> set[str]:
        """The capability names this component provides."""
        return {p.capability for p in self.provides}
