"""What each capability means for the wiring between a provider and the components that need it.

This table is the only place that knows, for example, that needing a ``postgres`` provider means a connection to
its port, a database and user of one's own, and a Vault role for the credentials. Adding a capability is a row
here; adding a consumer is a ``needs`` entry in its catalog file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hearth.protocols import (
    CLICKHOUSE_DUMP,
    MONGO_DUMP,
    MYSQL,
    MYSQL_DUMP,
    PG_DUMP,
    POSTGRES,
    Dialect,
    DumpTool,
    HealthClient,
    amqp_health,
    mongo_health,
    mysql_health,
    pg_health,
    redis_health,
)

Direction = Literal["to-provider", "from-provider", "none"]
Grant = Literal["database", "bucket", "vhost", "acl-user", "sso-client", "vault-role", "mailbox"]
UserApi = Literal["iam", "minio-admin"]
"""The API a provider makes its consumers' users through, which servers of one capability differ on: ``iam``, the
AWS IAM API on the S3 port (SeaweedFS with ``-s3.iam.readOnly=false``, Ceph RGW), or ``minio-admin``, MinIO's
admin API (``/minio/admin/v3/``, what ``mc admin user`` speaks)."""


@dataclass(frozen=True)
class CapabilitySpec:
    """How a need on a provider of this capability turns into traffic and grants.

    ``direction``: who opens the connection. ``to-provider``: the consumer connects to the provider's port.
    ``from-provider``: the provider connects to the consumer (Traefik routing to a web app).
    ``none``: ordering only (CRDs, namespaces). ``grant``: what the provider sets up per consumer.
    ``scheme``: URL scheme of the connection string the consumer is given.
    ``everyone_needs``: every other component is deployed after the provider (namespaces exist first).
    ``reaches``: a capability whose providers' ports this provider's pods connect to (the tunnel connector
    forwarding to the ingress entrypoints), without a ``needs`` entry since it orders nothing.
    ``crd_groups``: API groups whose CustomResourceDefinitions the provider installs; a chart holding objects
    of these groups is deployed after the provider.
    ``ready_after_bootstrap``: the provider serves only once ``hearth bootstrap`` has initialized and unsealed it,
    so ``hearth apply`` starts its consumers after its health check answers and the bootstrap marker exists.
    """

    direction: Direction
    grant: Grant | None = None
    scheme: str | None = None
    everyone_needs: bool = False
    crd_groups: tuple[str, ...] = ()
    reaches: str | None = None
    """The pods of a provider of this capability (those its ``provides`` entry names, else all) connect to every
    port of every provider of ``reaches``."""
    ready_after_bootstrap: bool = False
    dump: DumpTool | None = None
    """The tool a ``backup.method: dump`` provider of this capability is dumped with."""
    dialect: Dialect | None = None
    """How Vault's database engine and the provider's bootstrap speak to it (``database`` grants)."""
    health: HealthClient | None = None
    """The protocol's own liveness client, which the provider's Helm test runs against its Service."""
    vault_engine: str | None = None
    """The Vault secrets engine issuing consumers' credentials dynamically; None: a KV entry of their own."""
    contract_role: str | None = None
    """The role the provider's pod takes in the manifest contract (``hearth.dev/role``)."""
    credential_keys: tuple[str, ...] = ()
    """The keys of a consumer's credential as Vault serves it (what a ``credentials`` template may name)."""
    url: str | None = None
    """The consumer's connection URL, over ``credential_keys`` and the grant's facts (``host``, ``port``,
    ``database``): what ``{url}`` in a ``credentials`` template stands for."""
    shared_secret: bool = False
    """Both ends hold each consumer's credential (an OIDC client secret): the provider reads it from Vault too."""
    locks_down_namespaces: bool = False
    """The provider's chart creates the managed namespaces with their default-deny and DNS policies; a catalog
    with a managed namespace needs one, or nothing would isolate its pods."""
    states_user_api: bool = False
    """Servers of this capability differ in the API their users are made through: each provider's ``provides``
    entry says which (``user_api``, one of ``UserApi``), and ``hearth bootstrap`` speaks that one."""


LOGIN = ("username", "password")
"""A login: the keys of the database engine's dynamic credentials and of the KV entries bootstrap writes."""

CAPABILITIES: dict[str, CapabilitySpec] = {
    "namespaces": CapabilitySpec("none", everyone_needs=True, locks_down_namespaces=True),
    # The issuer's controller signs through the secrets provider's PKI (the Vault ClusterIssuer) without needing
    # it: the secrets provider's listener certificate comes from this provider's bootstrap CA, so it is first.
    "certificates": CapabilitySpec("none", crd_groups=("cert-manager.io",), reaches="secrets"),
    "metrics": CapabilitySpec("none", crd_groups=("monitoring.coreos.com",), contract_role="metrics-scraper"),
    # Backups of cluster state and volumes (Velero): its Schedules are objects of velero.io.
    "backups": CapabilitySpec("none", crd_groups=("velero.io",)),
    "ingress": CapabilitySpec("from-provider", crd_groups=("traefik.io",), contract_role="ingress-controller"),
    # The router's public entrypoints (web, websecure), where the tunnel connector delivers what the gateway forwards.
    "entrypoint": CapabilitySpec("none"),
    "tunnel": CapabilitySpec("none", reaches="entrypoint"),
    "service-mesh": CapabilitySpec("to-provider", scheme="http"),
    # The secrets store's pods carry hearth.dev/role: secrets-store, so what the document says runs it is measured.
    "secrets": CapabilitySpec(
        "to-provider", grant="vault-role", scheme="http", ready_after_bootstrap=True, contract_role="secrets-store"
    ),
    # The identity provider's LDAP backend (Authentik's LDAP outpost) for apps that speak only LDAP: reached by
    # the apps whose web.sso is ldap (hearth.resolve.sso), without a need, as OIDC logins are.
    "ldap": CapabilitySpec("none", scheme="ldap"),
    "oidc": CapabilitySpec(
        "to-provider",
        grant="sso-client",
        scheme="http",
        credential_keys=("client_id", "client_secret"),
        shared_secret=True,
    ),
    "logs": CapabilitySpec("to-provider", scheme="http"),
    "postgres": CapabilitySpec(
        "to-provider",
        grant="database",
        scheme="postgresql",
        dump=PG_DUMP,
        dialect=POSTGRES,
        health=pg_health,
        vault_engine="database",
        credential_keys=LOGIN,
        url="postgresql://{username}:{password}@{host}:{port}/{database}",
    ),
    "mysql": CapabilitySpec(
        "to-provider",
        grant="database",
        scheme="mysql",
        dump=MYSQL_DUMP,
        dialect=MYSQL,
        health=mysql_health,
        vault_engine="database",
        credential_keys=LOGIN,
        url="mysql://{username}:{password}@{host}:{port}/{database}",
    ),
    # MongoDB and ClickHouse logins are KV entries, not Vault database engine roles (no plugin is configured for
    # them; a path nothing serves would hang the consumer's agent in init): the bootstrap creates each consumer's
    # database and user and writes the password it generates to the consumer's entry (hearth.bootstrap.mongodb,
    # hearth.bootstrap.clickhouse).
    "mongodb": CapabilitySpec(
        "to-provider",
        grant="database",
        scheme="mongodb",
        dump=MONGO_DUMP,
        health=mongo_health,
        credential_keys=LOGIN,
        url="mongodb://{username}:{password}@{host}:{port}/{database}",
    ),
    "clickhouse": CapabilitySpec(
        "to-provider", grant="database", scheme="http", dump=CLICKHOUSE_DUMP, credential_keys=LOGIN
    ),
    # The ACL user and its password are a KV entry the bootstrap writes (hearth.bootstrap.keyvalue).
    "redis": CapabilitySpec(
        "to-provider",
        grant="acl-user",
        scheme="redis",
        health=redis_health,
        credential_keys=LOGIN,
        url="redis://{username}:{password}@{host}:{port}",
    ),
    # The node log collector (Grafana Alloy): hearth renders its configuration, pushing to the ``logs`` provider.
    "log-collector": CapabilitySpec("none", contract_role="log-collector"),
    # Dashboards that query the logs store as a data source (Grafana reading Loki): a flow, not a deploy order,
    # since the logs store itself is deployed after the monitoring stack it is scraped by.
    "dashboards": CapabilitySpec("none", reaches="logs"),
    # The bucket's user: an access key pair the bootstrap writes to the consumer's KV entry (hearth.bootstrap.s3),
    # made through the API the provider states (S3 servers share the S3 API, not a user API).
    "s3": CapabilitySpec(
        "to-provider",
        grant="bucket",
        scheme="http",
        credential_keys=("access_key_id", "secret_access_key", "bucket"),
        states_user_api=True,
    ),
    # The vhost's user, a KV entry the bootstrap writes (hearth.bootstrap.rabbitmq); ``database`` is the vhost.
    "amqp": CapabilitySpec(
        "to-provider",
        grant="vhost",
        scheme="amqp",
        health=amqp_health,
        credential_keys=LOGIN,
        url="amqp://{username}:{password}@{host}:{port}/{database}",
    ),
    "container-registry": CapabilitySpec("to-provider", scheme="https"),
    # The mailbox: a user account of the consumer's own on the platform's domain, its address (``username``) and
    # password a KV entry the bootstrap writes (hearth.bootstrap.stalwart).
    "mail": CapabilitySpec("to-provider", grant="mailbox", scheme="smtp", credential_keys=LOGIN),
    # Syncs Vault entries into the Kubernetes Secrets an upstream chart reads (External Secrets Operator): its
    # ExternalSecrets, SecretStores and generators are deployed after it.
    "secret-sync": CapabilitySpec("none", crd_groups=("external-secrets.io", "generators.external-secrets.io")),
    # An identity service of a tool suite (JetBrains Hub for YouTrack and TeamCity): its REST auth API.
    "hub-auth": CapabilitySpec("to-provider", scheme="http"),
    # A git forge its consumers clone from and log in through (GitLab for Coder): HTTP(S) git and OAuth.
    "git-forge": CapabilitySpec("to-provider", scheme="http"),
}


SSO_MODE_GRANT: dict[str, Grant] = {"oidc": "sso-client"}
"""The grant an app's ``web.sso`` mode takes from the platform's identity provider, without a need (forward-auth
and ldap need no client of their own: the outposts serve them)."""


def takes_grant(grant: Grant | None, sso_mode: str | None) -> bool:
    """Whether a consumer whose ``web.sso`` is ``sso_mode`` (None: no web) takes ``grant`` from a needed provider:
    every grant but a login client, which only a mode that logs in with a client of its own takes."""
    return grant not in SSO_MODE_GRANT.values() or SSO_MODE_GRANT.get(sso_mode or "") == grant


def crd_providers(capabilities: dict[str, set[str]]) -> dict[str, list[str]]:
    """API group -> the components (by name) whose capabilities install its CRDs, given name -> capabilities."""
    out: dict[str, list[str]] = {}
    for name in sorted(capabilities):
        for capability in sorted(capabilities[name]):
            for group in CAPABILITIES[capability].crd_groups:
                out.setdefault(group, []).append(name)
    return out


def locks_down_namespaces(capabilities: set[str]) -> bool:
    """Whether a provider of ``capabilities`` renders the managed namespaces and their default policies."""
    return any(CAPABILITIES[c].locks_down_namespaces for c in capabilities if c in CAPABILITIES)
