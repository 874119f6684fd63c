"""The component half of the catalog (``services/<namespace>/<name>.yaml``): one service of the platform, how it
is installed, what it listens on, provides, needs and stores, and how it is secured and backed up.

:class:`Component` is the file; the parts of it that are an idea of their own are modules beside this one:
``workload`` (resources, storage, health, metrics, sidecars), ``install`` (hearth or an upstream chart and its
pods), ``security`` (the securityContext and its stated exceptions) and ``exposure`` (web and SSO, webhooks,
egress, listener TLS).

Models here check the shape of one value; rules between values (a health check naming a port the component does
not declare, a port declared twice, a component needing itself) are in ``hearth.catalog.checks``, which names the
field of each problem.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hearth.capabilities import UserApi
from hearth.catalog.app_keys import AppKey, KeyName
from hearth.catalog.credentials import Credential
from hearth.catalog.exposure import Egress, ListenerTls, Web, Webhook
from hearth.catalog.fields import (
    Capability,
    Cron,
    Image,
    Name,
    Port,
    PortName,
    Retention,
    Strict,
)
from hearth.catalog.install import Install
from hearth.catalog.secrets_init import SecretsInit
from hearth.catalog.security import Security
from hearth.catalog.workload import Health, Metrics, Resources, Sidecar, Storage


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
    app_keys: dict[KeyName, AppKey] = Field(
        default={},
        description="each key of its own KV entry (app) a credential reads: generated by hearth bootstrap, or the "
        "operator's with the reason (hearth.catalog.app_keys)",
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
