"""ClickHouse grants (``database`` on ``clickhouse``): per consumer a database and a user reaching that database only.

One step per provider of a ``grants/<provider>.json`` whose capability is ``clickhouse``, ``<provider>-databases``,
speaking ClickHouse's HTTP interface (the grants file's port, 8123) as the operator's admin login
(``Operator.admin``). Per consumer it reads, then changes only what differs:

* the database named after the grant (``CREATE DATABASE IF NOT EXISTS``) when ``system.databases`` lacks it;
* the user of the same name, its password in the consumer's KV entry (generated there when absent, the user name
  beside it: the ``username``/``password`` the consumer reads), created (``CREATE USER``) when ``system.users`` lacks
  it and given Vault's password again (``ALTER USER ... IDENTIFIED``) when a ``SELECT 1`` as that user and
  password is refused;
* its privileges: ``ALL`` on ``<database>.*`` and nothing else (``system.grants``; a granted role in
  ``system.role_grants`` or any other privilege is revoked first).

Every statement is a POST body and the logins travel in the ``X-ClickHouse-User``/``X-ClickHouse-Key`` headers,
never in the URL or argv (clickhouse.com/docs/interfaces/http, ClickHouse 26.3: "Querying over HTTP/HTTPS",
"Authentication"); reads end in ``FORMAT JSON`` (clickhouse.com/docs/interfaces/formats/JSON: the rows under
``data``). An error is reported by its code (the ``X-ClickHouse-Exception-Code`` header) and name, never by the
server's text, which may quote the statement and so a password. Statements: clickhouse.com/docs/sql-reference/
statements/create/database, create/user (``IDENTIFIED WITH sha256_password BY``), alter/user, grant, revoke;
tables: clickhouse.com/docs/operations/system-tables/databases, users, grants, role_grants.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Admin, Operator, kv_read, kv_secret, kv_username, strip_kv
from hearth.bootstrap.vault import KV_MOUNT, Vault

CAPABILITY = "clickhouse"
AUTHENTICATION_FAILED = "516"
"""ClickHouse's error code for a refused login (src/Common/ErrorCodes.cpp: AUTHENTICATION_FAILED = 516)."""
_CODE = re.compile(r"Code: (\d+)")
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*(?:\(version|$)")


def ident(name: str) -> str:
    """A ClickHouse identifier in backquotes (``\\`` and ````` escaped)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def literal(value: str) -> str:
    """A ClickHouse string literal in single quotes (``\\`` and ``'`` escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def wanted_grants(database: str) -> list[dict[str, Any]]:
    """The ``system.grants`` rows of a consumer's user: ALL on its database's tables, nothing more."""
    return [
        {
            "access_type": "ALL",
            "database": database,
            "table": None,
            "column": None,
            "is_partial_revoke": 0,
            "grant_option": 0,
        }
    ]


@dataclass
class ClickHouse:
    """ClickHouse's HTTP interface at ``endpoint`` as ``admin``; errors are one-line StepErrors, no body echoed."""

    endpoint: str
    admin: Admin = field(repr=False)
    timeout: float = 10.0

    def _post(self, sql: str, login: Admin) -> requests.Response:
        headers = {
            "X-ClickHouse-User": login.username,
            "X-ClickHouse-Key": login.password,
            "Content-Type": "text/plain; charset=utf-8",
        }
        try:
            return requests.post(f"http://{self.endpoint}/", data=sql.encode(), headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise Unreachable(f"ClickHouse HTTP interface at {self.endpoint}: {type(exc).__name__}") from exc

    def run(self, sql: str, what: str) -> str:
        """``sql`` as the admin; the reply's text, or a StepError naming ``what`` (never the statement)."""
        answer = self._post(sql, self.admin)
        if answer.status_code == 200:
            return answer.text
        code, name = _error(answer)
        if code == AUTHENTICATION_FAILED:
            raise StepError(f"ClickHouse at {self.endpoint} refuses the admin login {self.admin.username}")
        raise StepError(f"{what} at {self.endpoint}: HTTP {answer.status_code}, code {code} {name}".rstrip())

    def rows(self, select: str, what: str) -> list[dict[str, Any]]:
        """The rows of ``select`` (``FORMAT JSON`` appended)."""
        text = self.run(f"{select} FORMAT JSON", what)
        try:
            data = json.loads(text)["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StepError(f"{what} at {self.endpoint}: not a FORMAT JSON reply") from exc
        return [row for row in data if isinstance(row, dict)]

    def logs_in(self, username: str, password: str) -> bool:
        """Whether ``SELECT 1`` as ``username`` with ``password`` succeeds."""
        answer = self._post("SELECT 1", Admin(username, password))
        return answer.status_code == 200 and answer.text.strip() == "1"


def _error(answer: requests.Response) -> tuple[str, str]:
    """(code, NAME) of an error reply, from the header and the text's ``(NAME)``; the text itself never leaves."""
    text = answer.text[:2000]
    code = answer.headers.get("X-ClickHouse-Exception-Code") or next(iter(_CODE.findall(text)), "?")
    name = next(iter(_NAME.findall(text.strip())), "")
    return code, name


def _grant_row(row: dict[str, Any]) -> dict[str, Any]:
    """A ``system.grants`` row as compared: the flags as integers (UInt8, which JSON may quote)."""
    flags = {key: int(row.get(key) or 0) for key in ("is_partial_revoke", "grant_option")}
    return {**row, **flags}


def clickhouse_steps(vault: Vault, grants: dict[str, dict[str, Any]], operator: Operator) -> list[Step]:
    """The ``<provider>-databases`` step of every ClickHouse provider in the build."""
    return [
        databases_step(vault, spec, operator)
        for _, spec in sorted(grants.items())
        if spec.get("grant") == "database" and spec.get("capability") == CAPABILITY
    ]


def databases_step(vault: Vault, spec: dict[str, Any], operator: Operator) -> Step:
    """A database and a user per consumer of ``spec``'s provider, ALL on that database only."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        admin = operator.admin(provider)
        server = ClickHouse(operator.endpoint(provider, str(spec["endpoint"])), admin)
        databases = {str(r.get("name")) for r in server.rows("SELECT name FROM system.databases", "list databases")}
        users = {str(r.get("name")) for r in server.rows("SELECT name FROM system.users", "list users")}
        columns = "user_name, access_type, database, table, column, is_partial_revoke, grant_option"
        grants: dict[str, list[dict[str, Any]]] = {}
        select = f"SELECT {columns} FROM system.grants WHERE user_name IS NOT NULL"
        for row in server.rows(select, "list grants"):
            grants.setdefault(str(row.pop("user_name")), []).append(_grant_row(row))
        roles: dict[str, list[str]] = {}
        select = "SELECT user_name, granted_role_name FROM system.role_grants WHERE user_name IS NOT NULL"
        for row in server.rows(select, "list role grants"):
            roles.setdefault(str(row.get("user_name")), []).append(str(row.get("granted_role_name")))
        changes: list[Change] = []
        for consumer in consumers:
            name, secret = str(consumer["name"]), strip_kv(str(consumer["secret"]))
            state = (name in databases, name in users, grants.get(name, []), sorted(roles.get(name, [])))
            changes += _consumer_changes(vault, server, name, secret, state)
        return changes

    summary = f"{len(consumers)} databases on {provider}, each with a user of its own"
    return FuncStep(f"{provider}-databases", summary, read)


def _consumer_changes(
    vault: Vault, server: ClickHouse, name: str, secret: str, state: tuple[bool, bool, list[dict[str, Any]], list[str]]
) -> list[Change]:
    has_database, has_user, have_grants, have_roles = state
    changes: list[Change] = []
    if not has_database:

        def database() -> None:
            server.run(f"CREATE DATABASE IF NOT EXISTS {ident(name)}", f"create database {name}")

        changes.append(Change(f"database {name}", database))
    stored = kv_read(vault, secret) or {}
    password = stored.get("password")
    current = (
        has_user
        and isinstance(password, str)
        and bool(password)
        and stored.get("username") == name
        and server.logs_in(name, password)
    )
    if not current:
        verb = "CREATE USER IF NOT EXISTS" if not has_user else "ALTER USER"

        def user() -> None:
            value, _ = kv_secret(vault, secret, "password")
            kv_username(vault, secret, name)
            server.run(f"{verb} {ident(name)} IDENTIFIED WITH sha256_password BY {literal(value)}", f"user {name}")

        where = "generate into" if not isinstance(password, str) or not password else "take from"
        what = "create" if not has_user else "reset"
        changes.append(Change(f"user {name}: {what}, password: {where} Vault {KV_MOUNT}/{secret}", user))
    if sorted(have_grants, key=repr) != wanted_grants(name) or have_roles:

        def privileges() -> None:
            for role in have_roles:
                server.run(f"REVOKE {ident(role)} FROM {ident(name)}", f"revoke role {role} from {name}")
            server.run(f"REVOKE ALL ON *.* FROM {ident(name)}", f"revoke from {name}")
            server.run(f"GRANT ALL ON {ident(name)}.* TO {ident(name)}", f"grant to {name}")

        dropped = f" (revoke roles {', '.join(have_roles)})" if have_roles else ""
        others = [g for g in have_grants if g not in wanted_grants(name)]
        dropped += f" (revoke {len(others)} other privileges)" if others and has_user else ""
        changes.append(Change(f"user {name}: ALL on database {name} only{dropped}", privileges))
    return changes
