"""The provider side of ``database`` grants: each consumer's own database, and the Vault database secrets engine
configuration that issues its credentials.

Everything comes from ``resolved.grants`` and the grant's capability, never from component names. Consumers read
``database/creds/<provider>-<consumer>`` (``hearth.render.secrets``); this module renders what serves that path:

* ``vault/database/config/<provider>.json``: the engine's connection to the provider. The admin login is the
  operator's: ``username`` is the placeholder ``ADMIN_PLACEHOLDER`` and there is no password; the operator replaces
  the one and adds the other when writing the file to ``database/config/<provider>``.
* ``vault/database/roles/<provider>-<consumer>.json``: the role issuing the consumer's short-lived logins.
* ``databases/<provider>.sql``: the provider-side bootstrap, run once by the admin (for PostgreSQL with ``psql``:
  it uses ``\\gexec``, PostgreSQL having no ``CREATE ROLE/DATABASE IF NOT EXISTS``).

PostgreSQL: per consumer a NOLOGIN role ``<db>_owner`` owns the database ``<db>`` (CONNECT revoked from PUBLIC);
a Vault login is a member of it, valid until its lease expires, and switches to it on connecting (``ALTER ROLE
... SET role``), so what it creates belongs to the owner role and the login can be dropped on revocation. The
admin must be a superuser, or have CREATEROLE with ADMIN on the owner roles and membership of pg_signal_backend.

MySQL: a Vault login gets ALL on the consumer's database only; MySQL has no VALID UNTIL, so the login ends when
Vault revokes its lease. The admin needs CREATE USER and ALL ... WITH GRANT OPTION.

``mongodb`` and ``clickhouse`` grants are not rendered here (yet): only the capabilities in ``DIALECTS`` are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from hearth.resolve import Endpoint, Grant, Resolved, pod_with_port, provider_endpoint

ADMIN_PLACEHOLDER = "OPERATOR-SETS-ADMIN-USERNAME"
DEFAULT_TTL = "1h"
MAX_TTL = "24h"


def pg_ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A standard SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def mysql_ident(name: str) -> str:
    """A MySQL identifier, backquoted."""
    return "`" + name.replace("`", "``") + "`"


def owner_role(grant: Grant) -> str:
    """The NOLOGIN PostgreSQL role owning the consumer's database."""
    return f"{grant.name}_owner"


def role_name(grant: Grant) -> str:
    """The Vault role of a grant: the ``<provider>-<consumer>`` of ``database/creds/<provider>-<consumer>``."""
    return f"{grant.provider}-{grant.consumer}"


def _pg_url(host: str, port: int) -> str:
    return f"postgresql://{{{{username}}}}:{{{{password}}}}@{host}:{port}/postgres?sslmode=disable"


def _pg_creation(grant: Grant) -> list[str]:
    login, owner = pg_ident("{{name}}"), pg_ident(owner_role(grant))
    return [
        f"CREATE ROLE {login} WITH LOGIN PASSWORD '{{{{password}}}}' VALID UNTIL '{{{{expiration}}}}' IN ROLE {owner};",
        f"ALTER ROLE {login} SET role = {owner};",
    ]


def _pg_revocation(grant: Grant) -> list[str]:
    return [
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';",
        f"DROP ROLE IF EXISTS {pg_ident('{{name}}')};",
    ]


def _pg_bootstrap(grants: list[Grant]) -> str:
    lines = ["-- Databases of the consumers, rendered by hearth. Run with psql (\\gexec) as the admin; idempotent."]
    for grant in grants:
        db, owner = grant.name, owner_role(grant)
        create_role = sql_literal(f"CREATE ROLE {pg_ident(owner)} NOLOGIN")
        create_db = sql_literal(f"CREATE DATABASE {pg_ident(db)} OWNER {pg_ident(owner)}")
        lines += [
            "",
            f"-- {grant.consumer}",
            f"SELECT {create_role} WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(owner)})",
            "\\gexec",
            f"SELECT {create_db} WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {sql_literal(db)})",
            "\\gexec",
            f"REVOKE ALL ON DATABASE {pg_ident(db)} FROM PUBLIC;",
        ]
    return "\n".join(lines) + "\n"


def _mysql_url(host: str, port: int) -> str:
    return f"{{{{username}}}}:{{{{password}}}}@tcp({host}:{port})/"


def _mysql_creation(grant: Grant) -> list[str]:
    return [
        "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';",
        f"GRANT ALL PRIVILEGES ON {mysql_ident(grant.name)}.* TO '{{{{name}}}}'@'%';",
    ]


def _mysql_revocation(grant: Grant) -> list[str]:
    return ["REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%';", "DROP USER IF EXISTS '{{name}}'@'%';"]


def _mysql_bootstrap(grants: list[Grant]) -> str:
    lines = ["-- Databases of the consumers, rendered by hearth. Run as the admin; idempotent."]
    for grant in grants:
        lines += ["", f"-- {grant.consumer}", f"CREATE DATABASE IF NOT EXISTS {mysql_ident(grant.name)};"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Dialect:
    """How one database capability spells its Vault plugin, connection URL, statements and bootstrap."""

    plugin: str
    url: Callable[[str, int], str]
    creation: Callable[[Grant], list[str]]
    revocation: Callable[[Grant], list[str]]
    bootstrap: Callable[[list[Grant]], str]


DIALECTS: dict[str, Dialect] = {
    "postgres": Dialect("postgresql-database-plugin", _pg_url, _pg_creation, _pg_revocation, _pg_bootstrap),
    "mysql": Dialect("mysql-database-plugin", _mysql_url, _mysql_creation, _mysql_revocation, _mysql_bootstrap),
}


def database_grants(resolved: Resolved) -> dict[tuple[str, str], list[Grant]]:
    """(provider, capability) -> its ``database`` grants of a rendered dialect, by consumer."""
    out: dict[tuple[str, str], list[Grant]] = {}
    for grant in sorted(resolved.grants, key=lambda g: (g.provider, g.capability, g.consumer)):
        if grant.kind == "database" and grant.capability in DIALECTS:
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
    """``vault/database/config``, ``vault/database/roles`` and ``databases`` files for every database provider."""
    files: dict[str, str] = {}
    for (provider, capability), grants in database_grants(resolved).items():
        where = _endpoint(resolved, provider, capability)
        if where is None:
            continue
        dialect = DIALECTS[capability]
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
                "default_ttl": DEFAULT_TTL,
                "max_ttl": MAX_TTL,
                "creation_statements": dialect.creation(grant),
                "revocation_statements": dialect.revocation(grant),
            }
            files[f"vault/database/roles/{role_name(grant)}.json"] = _json(role)
        files[f"databases/{provider}.sql"] = dialect.bootstrap(grants)
    return files


def _json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
