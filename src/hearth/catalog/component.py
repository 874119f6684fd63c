"""The component half of the catalog (``services/<namespace>/<name>.yaml``): one service of the platform, how it
is installed, what it listens on, provides, needs and stores, and how it is secured and backed up.

Kept whole: these are the models of one file, ``services/<namespace>/<name>.yaml``; most of :class:`Component`'s
fields are the classes above it, and ``hearth schema`` documents each from the field docstrings here, so a reader
sees the file's whole shape in one place.

Models here check the shape of one value; rules between values (a health check naming a port the component does
not declare, a port declared twice, a component needing itself) are in ``hearth.catalog.checks``, which names the
field of each problem.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hearth.capabilities import UserApi
from hearth.catalog.credentials import Credential
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
    """http (GET a path), tcp (connect) or exec (run a command)."""
    port: PortName | None = None
    """the port (by name) to probe, for http and tcp."""
    path: str | None = None
    """the HTTP path to GET, for http."""
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    """HTTP or HTTPS, for http."""
    command: list[str] = []
    """the command to run in the container, for exec."""

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
    """the port (by name) that serves metrics."""
    path: str = "/metrics"
    """the HTTP path of the metrics."""
    scraped_by: Literal["hearth", "chart"] = Field(
        default="hearth",
        description="chart: the upstream chart's own monitor scrapes it (stated where it cannot be switched off)",
    )


class Storage(Strict):
    """The component's persistent volume."""

    size: Quantity
    """the volume's size, as a quantity (e.g. 10Gi)."""
    mount_path: str = Field(pattern=r"^/")
    """where it is mounted in the container."""


class Resources(Strict):
    """Requests (what the scheduler reserves) and limits (the ceiling)."""

    requests: ResourceAmounts
    """what the scheduler reserves for the container."""
    limits: ResourceAmounts
    """the ceiling the container may use."""

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
    """a capability from hearth's capability table (postgres, s3, oidc, ...)."""
    port: PortName | None = None
    """the port (by name) it is offered on."""
    pod: Name | None = None
    """for an upstream chart: the pod that offers it."""
    user_api: UserApi | None = None
    """for a capability whose servers differ in it (s3): the API its consumers' users are made through, ``iam``
    (the AWS IAM API on the S3 port: SeaweedFS, Ceph RGW) or ``minio-admin`` (MinIO's admin API)."""


class Sidecar(Strict):
    """A further container in the component's pod: an exporter, or one service of a multi-service app.

    ``health`` is probed like the main container's (liveness, readiness and startup probes); its port must be one
    of the sidecar's own ports, since a probe's named port is looked up on the probed container.
    """

    name: Name
    """the container's name."""
    image: Image
    """its image."""
    purpose: str
    """what it is for."""
    ports: list[PortName] = []
    """its ports, by the names of the component's ports."""
    resources: Resources
    """its requests and limits."""
    args: list[str] = []
    """its arguments."""
    env: dict[str, str] = {}
    """its environment variables."""
    health: Health | None = None
    """how it is probed (its port must be one of its own)."""


class Webhook(Strict):
    """An admission webhook the component serves; the API server must reach it on this port."""

    port: PortName
    """the port (by name) the webhook is served on."""
    pod: Name | None = None
    """for an upstream chart: the pod that serves it."""


class ChartRef(Strict):
    """A pinned upstream Helm chart."""

    repo: str
    """the chart repository URL (https:// or oci://)."""
    name: str
    """the chart's name."""
    version: str
    """the pinned chart version."""


class ChartPod(Strict):
    """A pod an upstream chart creates, with the labels its templates apply (so policies can select it)."""

    name: Name
    """the pod's name (its workload's name in the chart)."""
    labels: dict[str, str] = Field(min_length=1)
    """the labels the chart's templates give its pods."""
    ports: list[PortName] = []
    """its ports, by the names of the component's ports."""
    kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment"
    """the workload kind the chart uses for it."""
    replicas: int = Field(default=1, ge=0)
    """how many pods of it the chart runs with the values given."""
    resources: Resources | None = None
    """its requests and limits, as the values set them."""
    service: Name | None = Field(default=None, description="the chart's Service for this pod, if not the default")
    service_ports: dict[PortName, PortNumber] = Field(
        default={}, description="the port the chart's Service exposes for a container port, where the two differ"
    )
    talks_to: list[Name] = Field(default=[], description="pods of the same chart this pod connects to (itself: peers)")
    uses_needs: bool = Field(
        default=True, description="false: the pod opens none of the component's connections to its needs"
    )
    api_access: bool = False
    """it talks to the Kubernetes API (gets egress to the API server)."""
    metrics: Metrics | None = Field(
        default=None, description="where Prometheus scrapes this pod, when not the component's metrics port"
    )
    source: str = ""
    """where its labels and ports come from (the chart's template)."""


class Install(Strict):
    """How the component is installed: rendered by hearth, or from a pinned upstream chart."""

    method: Literal["hearth", "chart"]
    """hearth (rendered by hearth) or chart (a pinned upstream chart)."""
    reason: str
    """why this method."""
    chart: ChartRef | None = None
    """the upstream chart, for method chart."""
    pods: list[ChartPod] = []
    """the pods the upstream chart creates, for method chart."""
    values: dict[str, Any] = {}
    """values for the upstream chart (hearth adds its own wiring)."""

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
    """A stated departure from the restricted securityContext, with the reason it is needed.

    ``no-probe`` is the one departure that is not a securityContext's: a container with nothing to probe (no port,
    no tool in its image to observe the daemon) runs without liveness and readiness probes; it names its container
    and the reason, which the rendered workload carries so the compliance audit reads it as a stated exception.
    """

    kind: Literal["run-as-root", "capability", "writable-root-filesystem", "host-path", "privileged", "no-probe"]
    """which restriction is lifted (run-as-root, capability, writable-root-filesystem, host-path, privileged), or
    no-probe: the container runs without liveness/readiness probes."""
    value: str | None = None
    """what exactly (the capability, the host path)."""
    container: Name | None = Field(default=None, description="the one container it applies to (default: all)")
    reason: str = Field(min_length=10)
    """why it is needed."""


class Security(Strict):
    """The identity the container runs as and where it may write; everything else is the secure default."""

    run_as_user: int = Field(default=65532, ge=0)
    """the uid the containers run as."""
    run_as_group: int | None = None
    """the gid they run as (none: runAsGroup is not set)."""
    fs_group: int | None = None
    """the group that owns mounted volumes (none: fsGroup is not set)."""
    writable_paths: list[str] = ["/tmp"]
    """the paths that get a writable emptyDir (the root filesystem is read-only)."""
    exceptions: list[SecurityException] = []
    """stated departures from the restricted securityContext, each with a reason."""
    api_access: bool = False
    """mount a service account token: the component talks to the Kubernetes API."""
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
    """the port number."""
    protocol: Protocol = "TCP"
    """TCP, UDP or SCTP."""


class Egress(Strict):
    """A connection a component opens to something outside the cluster.

    ``internet``: any public address (the pod, service, LAN and tunnel ranges excepted); ``gateway``: the gateway
    VPS's public address. ``pod`` limits it to one pod of an upstream chart (default: every pod).
    """

    to: Literal["internet", "gateway"]
    """internet (any public address) or gateway (the gateway VPS)."""
    ports: list[ExternalPort] = Field(min_length=1)
    """the ports it connects to."""
    pod: Name | None = None
    """for an upstream chart: the one pod that connects (default: every pod)."""
    reason: str = Field(min_length=10)
    """why it reaches outside."""


class Web(Strict):
    """A component reached by people through Traefik, and how they log in to it through the platform's SSO.

    ``sso``: ``oidc`` (the app's own OpenID Connect client, registered in the identity provider), ``forward-auth``
    (the router asks the identity provider's outpost before every request), ``ldap`` (the app binds to the identity
    provider's LDAP outpost) or ``none`` (with ``sso_reason``, a reason about the app itself). Using the identity
    provider for login is wiring, not deploy order: it adds no ``needs`` (an app configured for OIDC starts without
    the provider and logs in through it once it is up). ``sso_skip_paths``: regular expressions of paths the
    forward-auth outpost lets through unauthenticated (webhooks, tracking endpoints, APIs with their own tokens).
    ``sso_pod``: the chart pod that exchanges the code for tokens when it is not the one serving ``port``.
    """

    host: Name
    """the hostname under platform.domain."""
    port: PortName
    """the port (by name) Traefik routes to."""
    sso: Literal["oidc", "forward-auth", "ldap", "none"]
    """oidc (native client), forward-auth (Traefik asks the identity provider), ldap (binds to its LDAP outpost) or
    none."""
    internal_service: str | None = Field(
        default=None,
        description="route to a service the router serves itself (Traefik's api@internal), not to the port's Service",
    )
    sso_reason: str = ""
    """why this SSO mode, when it is not the obvious one."""
    sso_skip_paths: list[str] = Field(default_factory=list)
    """regular expressions of paths the forward-auth outpost lets through unauthenticated."""
    sso_pod: Name | None = Field(
        default=None,
        description="the pod that calls the identity provider's OIDC back channel (default: the pod serving port)",
    )


class AppSettings(Strict):
    """Settings an application keeps in its own database rather than in files or its environment, which hearth
    renders as a plan for the application's own declarative tool (``build/settings/<component>.<format>``)."""

    tool: Literal["stalwart-cli"]
    """the plan's tool: ``stalwart-cli`` is an NDJSON plan for ``stalwart-cli apply`` (Stalwart's JMAP objects)."""
    applied_by: str
    """who applies the plan and how (it holds no secret; the tool's credentials are read when it is applied)."""


class Backup(Strict):
    """The component's own backup: a dump by the protocol's tool, a volume backup, or none (with why)."""

    method: Literal["dump", "volume", "replication", "none"]
    """dump (the protocol's tool), volume (Velero), replication or none."""
    schedule: Cron | None = None
    """a cron schedule, for dump and volume."""
    retention: Retention | None = None
    """how long each backup is kept, for dump and volume."""
    reason: str = ""
    """why, for replication and none."""

    @model_validator(mode="after")
    def _schedule_when_needed(self) -> Backup:
        if self.method in ("dump", "volume") and (self.schedule is None or self.retention is None):
            raise ValueError(f"backup method {self.method} needs a schedule and a retention")
        if self.method in ("none", "replication") and not self.reason:
            raise ValueError(f"backup method {self.method} needs a reason")
        return self


class ListenerTls(Strict):
    """TLS on a component's own listener, from a certificate of the platform's bootstrap CA.

    The bootstrap CA is cert-manager's ``selfSigned`` -> ``ca`` issuer chain (``hearth.render.bootstrap_tls``),
    for a listener that must serve TLS before the platform's own PKI can sign: Vault's, since the Vault
    ClusterIssuer needs Vault running. Consumers of the component trust the bootstrap CA.
    """

    secret: Name
    """the Secret cert-manager writes the certificate into (tls.crt, tls.key, ca.crt), which the chart mounts."""
    ports: list[PortName] = Field(min_length=1, description="the ports the listener serves TLS on")
    names: list[str] = Field(default=[], description="DNS names beyond the pods' Services (peers, wildcards)")
    reason: str = Field(min_length=20)
    """why the listener's certificate comes from the bootstrap CA: the order that makes it necessary."""


class Component(Strict):
    """One service of the platform, as the user states it."""

    name: Name
    """the component's name (a DNS label); its file is services/<namespace>/<name>.yaml."""
    display_name: str
    """the name people know it by."""
    namespace: Name
    """the namespace it runs in (one of platform.namespaces)."""
    version: str
    """the application version (the chart's appVersion when the component names no image)."""
    description: str = ""
    """what it does, in one sentence."""
    service_name: Name | None = Field(default=None, description="Service name, when not the component name")
    install: Install
    """how it is installed: rendered by hearth or a pinned upstream chart."""
    image: Image | None = None
    """the main container's image (none for an upstream chart, which names its own)."""
    sidecars: list[Sidecar] = []
    """further containers in the pod (exporters, the services of a multi-service app)."""
    ports: list[Port] = []
    """the ports the main container listens on."""
    health: Health | None = None
    """how to tell it is healthy; it becomes the container's probes."""
    metrics: Metrics | None = None
    """where Prometheus scrapes it (none: not scraped)."""
    storage: Storage | None = None
    """its persistent volume (none: stateless)."""
    resources: Resources | None = None
    """the main container's requests and limits."""
    replicas: int = Field(default=1, ge=0)
    """how many pods it runs."""
    provides: list[Provide] = []
    """capabilities it offers others (postgres, s3, oidc, ingress, secrets...), each on a port."""
    webhooks: list[Webhook] = []
    """admission webhooks it serves, which the API server must reach."""
    needs: list[Name] = []
    """the components it depends on; wiring (policies, grants, order) follows from what they provide."""
    order_only: dict[Name, str] = Field(
        default={}, description="needs that order the deploy without any traffic, each with the reason"
    )
    egress: list[Egress] = Field(default=[], description="what the component reaches outside the cluster, and why")
    web: Web | None = None
    """how people reach it through Traefik (host, port, SSO)."""
    public_tcp: list[PortName] = Field(
        default=[], description="ports the gateway publishes as raw TCP through the tunnel (e.g. SMTP, IMAPS)"
    )
    proxy_protocol: dict[PortName, PortName] = Field(
        default={},
        description=(
            "port -> the port that takes the same traffic behind a PROXY protocol v2 header naming the client (from"
            " the pod network only): itself when it reads the header (a router entrypoint), or a separate listener"
            " so in-cluster clients keep the plain port; the hop in front sends the header only there"
        ),
    )
    settings: AppSettings | None = None
    """settings the application keeps in its own database, rendered as a plan for its own tool (or none)."""
    backup: Backup | None = None
    """how its data is backed up (none: no stated backup)."""
    secrets_init: SecretsInit | None = Field(default=None, description="a secrets provider's init and unseal facts")
    listener_tls: ListenerTls | None = Field(default=None, description="TLS on its listener from the bootstrap CA")
    credentials: list[Credential] = Field(
        default=[], description="how it takes each credential from Vault (hearth.catalog.credentials)"
    )
    security: Security = Security()
    """the identity it runs as, where it may write, and stated exceptions."""
    command: list[str] = []
    """the main container's command (entrypoint), when not the image's."""
    args: list[str] = []
    """the main container's arguments."""
    env: dict[str, str] = {}
    """environment variables of the main container (${domain} is replaced; no secrets here)."""
    tags: list[Name] = []
    """selection tags (base, databases, apps...) for hearth plan --tags and Ansible tags."""
    startup_seconds: int = Field(default=30, ge=0)
    """how long it takes to become ready, for the deploy schedule."""
    sources: list[str] = []
    """where the facts in this file come from (URLs of upstream docs and code)."""

    def capabilities(self) -> set[str]:
        """The capability names this component provides."""
        return {p.capability for p in self.provides}
