"""The provider side of ``database`` grants: each consumer's own database, and the Vault database secrets engine
configuration that issues its credentials.

Everything comes from ``resolved.grants`` and the grant's capability, never from component names. Consumers read
``database/static-creds/<provider>-<consumer>`` (``hearth.render.secrets``); this module renders what serves that
path (why static roles and not dynamic credentials: :mod:`hearth.protocols`):

* ``vault/database/config/<provider>.json``: the engine's connection to the provider. The admin login is the
  operator's: ``username`` is the placeholder ``ADMIN_PLACEHOLDER`` and there is no password; the operator replaces
  the one and adds the other when writing the file to ``database/config/<provider>``.
* ``vault/database/static-roles/<provider>-<consumer>.json``: the static role owning the password of the
  consumer's login, rotated every ``ROTATION_PERIOD``.
* ``databases/<provider>.sql``: the provider-side bootstrap, run once by the admin (for PostgreSQL with ``psql``:
  it uses ``\\gexec``, PostgreSQL having no ``CREATE ROLE/DATABASE IF NOT EXISTS``).

The SQL each database speaks is its capability's ``dialect`` (:mod:`hearth.protocols`). ``mongodb`` and
``clickhouse`` grants have none: ``hearth.render.provider_grants`` renders them as ``grants/<provider>.json``, and the
bootstrap creates their databases and logins itself (a KV entry per consumer, as for the other provider grants).
"""

from __future__ import annotations

import json

from hearth.capabilities import CAPABILITIES
from hearth.protocols import login
from hearth.resolve.endpoints import Endpoint, pod_with_port, provider_endpoint
from hearth.resolve.records import Grant, Resolved

ADMIN_PLACEHOLDER = "OPERATOR-SETS-ADMIN-USERNAME"
ROTATION_PERIOD = 30 * 24 * 3600
"""Seconds between Vault's rotations of a consumer's database password (30 days), in the unit Vault reads a
static role back in, so that bootstrap compares like with like. A consumer reads the new password when it next
starts: restarting each at least this often (an upgrade, a rollout) keeps every login current."""


def role_name(grant: Grant) -> str:
    """The Vault role of a grant: the ``<provider>-<consumer>`` of ``database/static-creds/<provider>-<consumer>``."""
    return f"{grant.provider}-{grant.consumer}"


def database_grants(resolved: Resolved) -> dict[tuple[str, str], list[Grant]]:
    """(provider, capability) -> its ``database`` grants of a rendered dialect, by consumer."""
    out: dict[tuple[str, str], list[Grant]] = {}
    for grant in sorted(resolved.grants, key=lambda g: (g.provider, g.capability, g.consumer)):
        if grant.kind == "database" and CAPABILITIES[grant.capability].dialect is not None:
            out.setdefault((grant.provider, grant.capability), []).append(grant)
    return out


def _endpoint(resolved: Resolved, provider: str, capability: str) -> tuple[str, int] | None:
    """host:port of the provider's Service for ``capability``."""
    endpoint = provider_endpoint(resolved, capability)
    if endpoint is not None and endpoint.component.name == provider:
        return endpoint.host, endpoint.port.port
    component = resolved.component(provider)  # another provider of the same capability comes first
    for provide in component.provides:
        if provide.capability == capability and provide.port is not None:
            found = pod_with_port(resolved, component, provide.port)
            if found is not None:
                return Endpoint(component, *found).host, found[1].port
    return None


def render_database_grants(resolved: Resolved) -> dict[str, str]:
    """``vault/database/config``, ``vault/database/static-roles`` and ``databases`` files for every database
    provider."""
    files: dict[str, str] = {}
    for (provider, capability), grants in database_grants(resolved).items():
        where = _endpoint(resolved, provider, capability)
        if where is None:
            continue
        dialect = CAPABILITIES[capability].dialect
        assert dialect is not None  # database_grants keeps the capabilities with a dialect
        config = {
            "plugin_name": dialect.plugin,
            "connection_url": dialect.url(*where),
            "username": ADMIN_PLACEHOLDER,
            "allowed_roles": [role_name(g) for g in grants],
            "verify_connection": False,
        }
        files[f"vault/database/config/{provider}.json"] = _json(config)
        for grant in grants:
            role = {
                "db_name": provider,
                "username": login(grant),
                "rotation_period": ROTATION_PERIOD,
                "rotation_statements": dialect.rotation(grant),
            }
            files[f"vault/database/static-roles/{role_name(grant)}.json"] = _json(role)
        files[f"databases/{provider}.sql"] = dialect.bootstrap(grants)
    return files


def _json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
