"""MongoDB grants (``database`` on ``mongodb``): per consumer a user reaching its own database only.

One step per provider of a ``grants/<provider>.json`` whose capability is ``mongodb``, ``<provider>-users``,
speaking MongoDB's wire protocol through pymongo (pinned in pyproject.toml) as the operator's admin login
(``Operator.admin``: the image's root user, created in the ``admin`` database from ``MONGO_INITDB_ROOT_USERNAME``,
github.com/docker-library/mongo docker-entrypoint.sh). Per consumer it reads, then changes only what differs:

* the user named after the grant, defined in the consumer's own database (its authentication database): the
  consumer's rendered URL ``mongodb://<user>:<password>@<host>:<port>/<database>`` names no ``authSource``, and a
  driver then authenticates against the database in the path (mongodb.com/docs/manual/reference/
  connection-string-options/#mongodb-urioption-urioption.authSource, MongoDB 8.0), so a user in ``admin`` would
  be refused;
* its only role ``readWrite`` on that database (mongodb.com/docs/manual/reference/built-in-roles/#readWrite);
* its password in the consumer's KV entry (generated there when absent, the user name beside it), checked by
  logging in as the user (``connectionStatus``, mongodb.com/docs/manual/reference/command/connectionStatus/).

Commands (mongodb.com/docs/manual/reference/command/): ``usersInfo`` to read, ``createUser`` when the user is
missing, ``updateUser`` when its roles or password differ. MongoDB creates the database itself on the consumer's
first write. Passwords travel only inside the authenticated connection, never in argv or a URL; errors are
reported by MongoDB's code name, never its message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pymongo
import pymongo.errors

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Admin, Operator, kv_read, kv_secret, kv_username, strip_kv
from hearth.bootstrap.vault import KV_MOUNT, Vault

CAPABILITY = "mongodb"
ADMIN_DATABASE = "admin"
ROLE = "readWrite"
AUTHENTICATION_FAILED = 18
"""MongoDB's error code for a refused login (mongodb.com/docs/manual/reference/error-codes/: AuthenticationFailed)."""
SERVER_SELECTION_SECONDS = 5.0
"""How long pymongo looks for a server before the step reports it unreachable."""


def wanted_roles(database: str) -> list[dict[str, str]]:
    """The roles of a consumer's user: ``readWrite`` on its own database, nothing else."""
    return [{"role": ROLE, "db": database}]


class MongoAdmin(Protocol):
    """What the step asks of a MongoDB server as its admin (``PyMongoAdmin``; a fake in the tests)."""

    endpoint: str

    def user(self, database: str, name: str) -> dict[str, Any] | None:
        """``usersInfo`` of ``name`` defined in ``database``: its document, None when there is none."""
        ...

    def create_user(self, database: str, name: str, password: str, roles: list[dict[str, str]]) -> None:
        """``createUser`` in ``database``."""
        ...

    def update_user(self, database: str, name: str, password: str | None, roles: list[dict[str, str]]) -> None:
        """``updateUser`` in ``database``: its roles replaced, its password too when given."""
        ...

    def authenticates(self, database: str, name: str, password: str) -> bool:
        """Whether ``name`` logs in to ``database`` with ``password``."""
        ...

    def close(self) -> None:
        """Close the admin's connection."""
        ...


def _client(endpoint: str, login: Admin, auth_source: str) -> pymongo.MongoClient[dict[str, Any]]:
    host, _, port = endpoint.rpartition(":")
    millis = int(SERVER_SELECTION_SECONDS * 1000)
    return pymongo.MongoClient(
        host=host,
        port=int(port),
        username=login.username,
        password=login.password,
        authSource=auth_source,
        directConnection=True,
        serverSelectionTimeoutMS=millis,
        connectTimeoutMS=millis,
        appname="hearth-bootstrap",
    )


@dataclass
class PyMongoAdmin:
    """``MongoAdmin`` over pymongo: the admin authenticated against ``admin``; errors become one-line StepErrors."""

    endpoint: str
    admin: Admin = field(repr=False)
    client: pymongo.MongoClient[dict[str, Any]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = _client(self.endpoint, self.admin, ADMIN_DATABASE)

    def _command(self, database: str, what: str, document: dict[str, Any]) -> dict[str, Any]:
        assert self.client is not None
        try:
            return dict(self.client[database].command(document))
        except pymongo.errors.ConnectionFailure as exc:
            raise Unreachable(f"MongoDB at {self.endpoint}: {type(exc).__name__}") from exc
        except pymongo.errors.OperationFailure as exc:
            if exc.code == AUTHENTICATION_FAILED:
                raise StepError(f"MongoDB at {self.endpoint} refuses the admin login {self.admin.username}") from exc
            name = (exc.details or {}).get("codeName", "")
            raise StepError(f"{what} at {self.endpoint}: code {exc.code} {name}".rstrip()) from exc

    def user(self, database: str, name: str) -> dict[str, Any] | None:
        answer = self._command(database, f"usersInfo {name}", {"usersInfo": {"user": name, "db": database}})
        users = [u for u in answer.get("users") or [] if isinstance(u, dict)]
        return users[0] if users else None

    def create_user(self, database: str, name: str, password: str, roles: list[dict[str, str]]) -> None:
        self._command(database, f"createUser {name}", {"createUser": name, "pwd": password, "roles": roles})

    def update_user(self, database: str, name: str, password: str | None, roles: list[dict[str, str]]) -> None:
        document: dict[str, Any] = {"updateUser": name, "roles": roles}
        if password is not None:
            document["pwd"] = password
        self._command(database, f"updateUser {name}", document)

    def authenticates(self, database: str, name: str, password: str) -> bool:
        probe = _client(self.endpoint, Admin(name, password), database)
        try:
            status = probe[database].command({"connectionStatus": 1})
        except pymongo.errors.ConnectionFailure as exc:
            raise Unreachable(f"MongoDB at {self.endpoint}: {type(exc).__name__}") from exc
        except pymongo.errors.OperationFailure as exc:
            if exc.code == AUTHENTICATION_FAILED:
                return False
            raise StepError(f"connectionStatus as {name} at {self.endpoint}: code {exc.code}") from exc
        finally:
            probe.close()
        users = (status.get("authInfo") or {}).get("authenticatedUsers") or []
        return {"user": name, "db": database} in users

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


Connect = Callable[[str, Admin], MongoAdmin]


def mongodb_steps(
    vault: Vault, grants: dict[str, dict[str, Any]], operator: Operator, connect: Connect = PyMongoAdmin
) -> list[Step]:
    """The ``<provider>-users`` step of every MongoDB provider in the build."""
    return [
        users_step(vault, spec, operator, connect)
        for _, spec in sorted(grants.items())
        if spec.get("grant") == "database" and spec.get("capability") == CAPABILITY
    ]


def _roles(user: dict[str, Any]) -> list[dict[str, str]]:
    return sorted(
        ({"role": str(r.get("role")), "db": str(r.get("db"))} for r in user.get("roles") or [] if isinstance(r, dict)),
        key=lambda r: (r["db"], r["role"]),
    )


def users_step(vault: Vault, spec: dict[str, Any], operator: Operator, connect: Connect) -> Step:
    """A user per consumer of ``spec``'s provider, in and reaching only the consumer's own database."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        server = connect(operator.endpoint(provider, str(spec["endpoint"])), operator.admin(provider))
        try:
            changes: list[Change] = []
            for consumer in consumers:
                name, secret = str(consumer["name"]), strip_kv(str(consumer["secret"]))
                changes += _consumer_changes(vault, server, name, secret)
        except Exception:
            server.close()
            raise
        return changes

    summary = f"{len(consumers)} users on {provider}, each {ROLE} on its own database"
    return FuncStep(f"{provider}-users", summary, read)


def _consumer_changes(vault: Vault, server: MongoAdmin, name: str, secret: str) -> list[Change]:
    database = name
    roles = wanted_roles(database)
    user = server.user(database, name)
    stored = kv_read(vault, secret) or {}
    password = stored.get("password")
    has_password = isinstance(password, str) and bool(password)
    where = "take from" if has_password else "generate into"
    if user is None:

        def create() -> None:
            value, _ = kv_secret(vault, secret, "password")
            kv_username(vault, secret, name)
            server.create_user(database, name, value, roles)

        description = f"user {name} in database {database}: create, {ROLE} on {database}"
        return [Change(f"{description}, password: {where} Vault {KV_MOUNT}/{secret}", create)]
    current = has_password and stored.get("username") == name and server.authenticates(database, name, str(password))
    same_roles = _roles(user) == roles
    if current and same_roles:
        return []

    def update() -> None:
        value = None
        if not current:
            value, _ = kv_secret(vault, secret, "password")
            kv_username(vault, secret, name)
        server.update_user(database, name, value, roles)

    parts = [] if same_roles else [f"roles: {ROLE} on {database} only"]
    if not current:
        parts.append(f"password: {where} Vault {KV_MOUNT}/{secret}")
    return [Change(f"user {name} in database {database}: {', '.join(parts)}", update)]
