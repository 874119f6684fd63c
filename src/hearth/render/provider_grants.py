"""The provider side of the grants Vault's database engine does not serve: an ACL user (``acl-user``), a vhost
(``vhost``), a bucket (``bucket``), a mailbox (``mailbox``) per consumer, and the ``database`` grants of the
capabilities without a SQL dialect (MongoDB, ClickHouse: a database and a login of the consumer's own), written as
``grants/<provider>.json`` for ``hearth bootstrap`` to apply.

Each file names the provider's capability and grant kind, the in-cluster ``host:port`` the bootstrap reaches it at,
the KV path of the provider's own secret (``kv/<namespace>/<provider>/app``: the default user's password, the
admin login the operator stores) and per consumer the grant's name and the KV path its generated credential is
written to (``kv/<namespace>/<consumer>/<capability>``, the path ``hearth.render.secrets`` annotates). A provider
of ``s3`` also lists the backups buckets (Velero's and the database dumps'), each with its own user, unless a
consumer's grant already names the bucket (Velero holds a ``bucket`` grant of its own, ``velero``, and reads only
that one's keys: a second user for it would be a credential nobody reads), and the API
those users are made through (``user_api``: ``iam`` or ``minio-admin``, as the provider's ``provides`` entry says,
for a capability whose servers differ in it). Everything comes from ``resolved.grants``, the capability table and
the providers' ``provides`` entries, never from component names; no secret is written here. A ``mailbox``
provider's file also names the platform's ``domain``, the one its accounts' addresses are under.
"""

from __future__ import annotations

import json

from hearth.capabilities import CAPABILITIES
from hearth.render.backup.storage import DUMP_BUCKET, VELERO_BUCKET
from hearth.render.grants import _endpoint
from hearth.resolve.records import Resolved

GRANT_KINDS = ("acl-user", "vhost", "bucket", "mailbox")
"""The grant kinds rendered here, beside the ``database`` grants of a capability with no ``dialect`` (those with
one are ``hearth.render.grants``': Vault's database engine issues their logins)."""

BACKUP_BUCKETS = (VELERO_BUCKET, DUMP_BUCKET)
BACKUP_SECRET = "kv/{namespace}/{provider}/backup-{bucket}"


def kv_path(namespace: str, component: str, leaf: str) -> str:
    """A KV version 2 entry as the bootstrap writes it (the API path adds ``data/`` after the mount)."""
    return f"kv/{namespace}/{component}/{leaf}"


def rendered_here(kind: str, capability: str) -> bool:
    """Whether a grant of ``kind`` on ``capability`` is applied from a ``grants/<provider>.json``."""
    return kind in GRANT_KINDS or (kind == "database" and CAPABILITIES[capability].dialect is None)


def _user_api(resolved: Resolved, provider: str, capability: str) -> str | None:
    """The user API ``provider`` says it makes ``capability``'s users through (its ``provides`` entry)."""
    return next(
        (p.user_api for p in resolved.component(provider).provides if p.capability == capability and p.user_api), None
    )


def render_provider_grants(resolved: Resolved) -> dict[str, str]:
    """``grants/<provider>.json`` for every provider with an acl-user, vhost, bucket or mailbox grant, or a
    database grant of a capability without a dialect."""
    by_provider: dict[tuple[str, str], list[dict[str, str]]] = {}
    for grant in sorted(resolved.grants, key=lambda g: (g.provider, g.capability, g.consumer)):
        if not rendered_here(grant.kind, grant.capability):
            continue
        consumer = resolved.component(grant.consumer)
        entry = {
            "consumer": grant.consumer,
            "name": grant.name,
            "secret": kv_path(consumer.namespace, grant.consumer, grant.capability),
        }
        by_provider.setdefault((grant.provider, grant.capability), []).append(entry)
    files: dict[str, str] = {}
    for (provider, capability), consumers in by_provider.items():
        where = _endpoint(resolved, provider, capability)
        if where is None:
            continue
        namespace = resolved.component(provider).namespace
        grant_kind = CAPABILITIES[capability].grant
        if grant_kind == "bucket":
            granted = {c["name"] for c in consumers}
            consumers = consumers + [
                {
                    "consumer": f"backup-{bucket}",
                    "name": bucket,
                    "secret": BACKUP_SECRET.format(namespace=namespace, provider=provider, bucket=bucket),
                }
                for bucket in BACKUP_BUCKETS
                if bucket not in granted
            ]
        body: dict[str, object] = {
            "provider": provider,
            "capability": capability,
            "grant": grant_kind,
            "endpoint": f"{where[0]}:{where[1]}",
            "provider_secret": kv_path(namespace, provider, "app"),
            "consumers": consumers,
        }
        if grant_kind == "mailbox":
            body["domain"] = resolved.catalog.platform.domain
        if CAPABILITIES[capability].states_user_api:
            body["user_api"] = _user_api(resolved, provider, capability)
        files[f"grants/{provider}.json"] = json.dumps(body, indent=2, sort_keys=True) + "\n"
    return files
