"""PostgreSQL and MySQL/MariaDB grants: the consumers' databases, then Vault's database engine issuing their logins.

Per provider three steps, each reading before it writes:

* ``<provider>-databases``: lists the server's databases as the operator's admin; when one of the build's
  ``databases/<provider>.sql`` is missing, runs that (idempotent) SQL with ``psql`` or ``mysql``;
* ``<provider>-vault-connection``: ``database/config/<provider>`` as rendered, with the admin login and the
  endpoint the operator supplies (Vault verifies it connects);
* ``<provider>-vault-roles``: every rendered ``database/static-roles/<provider>-<consumer>``, written when a field
  differs (Vault sets the login's first password as it creates the role, so the databases step comes first).

The admin password reaches the clients through their environment (``PGPASSWORD``, ``MYSQL_PWD``) and the SQL
through stdin, never argv. Vault never returns a connection's password, so a changed admin password is not seen.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from hearth.bootstrap.build import Build
from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Admin, Operator
from hearth.bootstrap.vault import DATABASE_MOUNT, Vault, differing

CLIENT_TIMEOUT = 60.0
_CREATED_DB = re.compile(r"CREATE DATABASE (?:IF NOT EXISTS )?[\"`]([^\"`]+)[\"`]")
_ENDPOINT = re.compile(r"(?<=[@(])([A-Za-z0-9_.-]+:\d+)")


@dataclass(frozen=True)
class Client:
    """How one engine's command-line client lists databases and runs a script as the admin."""

    tool: str
    list_sql: str

    def command(self, host: str, port: str, admin: Admin, database: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment (the password only there) of one client run."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/")}
        if self.tool == "psql":
            argv = [_psql(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port]
            return [*argv, "-U", admin.username, "-d", database], env | {"PGPASSWORD": admin.password}
        argv = [shutil.which("mysql") or "mysql", "--no-defaults", f"-h{host}", f"-P{port}", f"-u{admin.username}"]
        return [*argv, "-N", "-B"], env | {"MYSQL_PWD": admin.password}


def _psql() -> str:
    found = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"), reverse=True)), "")
    return found or "psql"


CLIENTS = {
    "postgresql-database-plugin": Client("psql", "SELECT datname FROM pg_database;"),
    "mysql-database-plugin": Client("mysql", "SHOW DATABASES;"),
}
"""The Vault plugin a rendered connection names -> the client that bootstraps that engine."""


def run_sql(client: Client, endpoint: str, admin: Admin, script: str, what: str) -> str:
    """Run ``script`` (stdin) as the admin at ``endpoint``; its output, or a StepError with the client's last line."""
    host, _, port = endpoint.rpartition(":")
    argv, env = client.command(host, port, admin, "postgres")
    try:
        done = subprocess.run(argv, input=script, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unreachable(f"{what}: {client.tool} at {endpoint}: {type(exc).__name__}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1][:200]
        if "could not connect" in last or "Can't connect" in last or "Connection refused" in last:
            raise Unreachable(f"{what}: {client.tool} at {endpoint}: {last}")
        raise StepError(f"{what}: {client.tool} at {endpoint}: {last}")
    return done.stdout


def database_steps(vault: Vault, build: Build, operator: Operator) -> list[Step]:
    """The three steps of every database provider the build renders a connection for, provider by provider."""
    steps: list[Step] = []
    sql = build.database_sql()
    roles = build.database_roles()
    for provider, config in build.database_configs().items():
        client = CLIENTS.get(str(config.get("plugin_name")))
        if client is None or provider not in sql:
            continue
        mine = {name: role for name, role in roles.items() if role.get("db_name") == provider}
        steps += [
            databases_step(provider, client, sql[provider], config, operator),
            connection_step(vault, provider, config, operator),
            db_roles_step(vault, provider, mine),
        ]
    return steps


def _endpoint(provider: str, config: dict[str, Any], operator: Operator) -> str:
    found = _ENDPOINT.search(str(config.get("connection_url", "")))
    if found is None:
        raise StepError(f"vault/database/config/{provider}.json: no host:port in connection_url")
    return operator.endpoint(provider, found.group(1))


def databases_step(provider: str, client: Client, script: str, config: dict[str, Any], operator: Operator) -> Step:
    """The consumers' databases on ``provider``: the rendered SQL run when one is missing."""
    wanted = sorted(set(_CREATED_DB.findall(script)))

    def read() -> list[Change]:
        admin = operator.admin(provider)
        endpoint = _endpoint(provider, config, operator)
        have = set(run_sql(client, endpoint, admin, client.list_sql, f"list databases of {provider}").split())
        missing = [db for db in wanted if db not in have]
        if not missing:
            return []

        def apply() -> None:
            run_sql(client, endpoint, admin, script, f"databases/{provider}.sql")

        return [Change(f"run databases/{provider}.sql: create {', '.join(missing)}", apply)]

    return FuncStep(f"{provider}-databases", f"{len(wanted)} consumer databases on {provider}", read)


def connection_step(vault: Vault, provider: str, config: dict[str, Any], operator: Operator) -> Step:
    """Vault's ``database/config/<provider>``: the rendered connection with the operator's admin and endpoint."""
    path = f"{DATABASE_MOUNT}/config/{provider}"

    def read() -> list[Change]:
        admin = operator.admin(provider)
        url = operator.url(provider, str(config["connection_url"]))
        wanted = {
            "plugin_name": config["plugin_name"],
            "allowed_roles": sorted(config.get("allowed_roles", [])),
            "connection_url": url,
            "username": admin.username,
        }
        current = vault.read(path)
        have = None
        if current is not None:
            details = current.get("connection_details") or {}
            have = {
                "plugin_name": current.get("plugin_name"),
                "allowed_roles": sorted(current.get("allowed_roles") or []),
                "connection_url": details.get("connection_url"),
                "username": details.get("username"),
            }
        keys = differing(wanted, have)
        if not keys:
            return []
        body = {**wanted, "password": admin.password, "verify_connection": True}

        def apply() -> None:
            vault.write(path, body)

        return [Change(f"write {path} ({', '.join(keys)})", apply)]

    return FuncStep(f"{provider}-vault-connection", f"Vault's connection to {provider} as the operator's admin", read)


def db_roles_step(vault: Vault, provider: str, roles: dict[str, dict[str, Any]]) -> Step:
    """Every rendered database engine role of ``provider``, written when a field differs from Vault's."""

    def read() -> list[Change]:
        changes = []
        for name, role in sorted(roles.items()):
            path = f"{DATABASE_MOUNT}/static-roles/{name}"
            keys = differing(role, vault.read(path))
            if keys:
                changes.append(Change(f"write {path} ({', '.join(keys)})", _write(vault, path, role)))
        return changes

    return FuncStep(f"{provider}-vault-roles", f"{len(roles)} Vault static roles owning {provider} logins", read)


def _write(vault: Vault, path: str, body: dict[str, Any]) -> Any:
    def apply() -> None:
        vault.write(path, body)

    return apply
