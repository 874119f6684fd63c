"""Valkey/Redis grants (``acl-user``): the default user's password from Vault, an ACL user per consumer.

Two steps per provider of a ``grants/<provider>.json`` whose grant is ``acl-user``, reading before writing:

* ``<provider>-default-password``: the ``requirepass`` in the provider's KV entry (generated there first when
  absent, so the server's pod, whose agent reads it, can start); the server is asked whether the default user
  accepts it (``AUTH``), and only a password-less server is given it
  (``ACL SETUSER default resetpass >...``, what ``CONFIG SET requirepass`` does since Redis 6). A server with
  another password is a failure: the operator's, not overwritten.
* ``<provider>-acl-users``: per consumer a user named after the grant, its password in the consumer's KV entry,
  keys and Pub/Sub channels ``<name>:*`` only, every command but the ``@admin`` ones. ``ACL GETUSER`` reports
  the user's SHA-256 password hashes, patterns and commands, compared with the wanted ones.

Every change is saved to the server's ACL file (``ACL SAVE``) on the connection that made it, so a restart loads
it again; a server started without ``--aclfile`` would forget it, and the step fails saying so rather than
report a grant that lasts until the next restart. Commands: redis.io/docs/latest/commands/acl-setuser,
acl-getuser, acl-save.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step, StepError
from hearth.bootstrap.operator import Operator, kv_read, kv_secret, kv_username, strip_kv
from hearth.bootstrap.resp import ReplyError, Resp
from hearth.bootstrap.vault import KV_MOUNT, Vault

COMMANDS = "+@all -@admin"
DEFAULT_KEY = "requirepass"


def acl_rules(name: str, password: str) -> list[str]:
    """``ACL SETUSER`` arguments giving ``name`` exactly its grant (``reset`` first: nothing else is kept)."""
    return ["reset", "on", f">{password}", f"~{name}:*", f"&{name}:*", *COMMANDS.split()]


def _save(conn: Resp, endpoint: str) -> None:
    """Persist the server's users to its ACL file, or fail naming why (no ``--aclfile``: lost on restart)."""
    try:
        conn.call("ACL", "SAVE")
    except ReplyError as exc:
        raise StepError(f"{endpoint}: ACL SAVE refused, so a restart would forget the grant: {exc}") from exc


def _password(vault: Vault, path: str, key: str) -> str | None:
    value = (kv_read(vault, strip_kv(path)) or {}).get(key)
    return value if isinstance(value, str) and value else None


def _authed(endpoint: str, password: str) -> Resp:
    conn = Resp(endpoint)
    try:
        conn.call("AUTH", "default", password)
    except ReplyError as exc:
        conn.close()
        raise StepError(f"{endpoint}: the default user refuses the password in Vault ({exc})") from exc
    return conn


def keyvalue_steps(vault: Vault, grants: dict[str, dict[str, Any]], operator: Operator) -> list[Step]:
    """The two steps of every ``acl-user`` provider in the build."""
    steps: list[Step] = []
    for provider, spec in sorted(grants.items()):
        if spec.get("grant") == "acl-user":
            endpoint = operator.endpoint(provider, str(spec["endpoint"]))
            steps += [default_password_step(vault, provider, spec, endpoint), acl_users_step(vault, spec, endpoint)]
    return steps


def default_password_step(vault: Vault, provider: str, spec: dict[str, Any], endpoint: str) -> Step:
    """The default user of ``provider`` requires the password kept in Vault.

    With no password in Vault yet, the first change generates it there before the server is asked anything: the
    server's own pod reads that entry through its Vault agent, so it cannot start before the entry exists, and a
    bootstrap run before the server is up leaves it ready to start (the step then fails as unreachable, and the
    next run sets the password on the server)."""
    secret = str(spec["provider_secret"])

    def set_on_server() -> None:
        value = _password(vault, secret, DEFAULT_KEY)
        if value is None:
            raise StepError(f"no default password in Vault at {secret}")
        setter = Resp(endpoint)
        try:
            try:
                setter.call("PING")
            except ReplyError as exc:
                raise StepError(f"{endpoint}: the default user has a password and it is not Vault's: {exc}") from exc
            setter.call("ACL", "SETUSER", "default", "resetpass", f">{value}")
            _save(setter, endpoint)
        finally:
            setter.close()

    def read() -> list[Change]:
        where = f"Vault {KV_MOUNT}/{strip_kv(secret)}"
        password = _password(vault, secret, DEFAULT_KEY)
        if password is None:

            def generate() -> None:
                kv_secret(vault, strip_kv(secret), DEFAULT_KEY)

            return [
                Change(f"default user's password: generate into {where}", generate),
                Change("default user's password: set it on the server", set_on_server),
            ]
        conn = Resp(endpoint)
        try:
            try:
                conn.call("AUTH", "default", password)
                # A password-less default user (nopass) takes any password: only its stored hash tells.
                if _requires(conn.call("ACL", "GETUSER", "default"), password):
                    return []
            except ReplyError:
                pass
            try:
                conn.call("PING")
            except ReplyError as exc:
                raise StepError(f"{endpoint}: the default user has a password and it refuses Vault's: {exc}") from exc
        finally:
            conn.close()
        return [Change(f"default user's password: take from {where}, set it", set_on_server)]

    return FuncStep(f"{provider}-default-password", f"{provider}'s default user needs the password in Vault", read)


def _user(reply: Any) -> dict[str, Any]:
    """An ``ACL GETUSER`` reply (alternating names and values) as a mapping; empty for no such user."""
    return dict(zip(reply[::2], reply[1::2], strict=False)) if isinstance(reply, list) else {}


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def _requires(user: Any, password: str) -> bool:
    """Whether an ``ACL GETUSER`` reply is of a user that needs ``password`` (its one SHA-256 hash, not nopass)."""
    fields = _user(user)
    return (
        bool(fields) and "nopass" not in (fields.get("flags") or []) and fields.get("passwords") == [_digest(password)]
    )


def _matches(user: Any, name: str, password: str) -> bool:
    fields = _user(user)
    return (
        "on" in (fields.get("flags") or [])
        and fields.get("passwords") == [_digest(password)]
        and fields.get("keys") == f"~{name}:*"
        and fields.get("channels") == f"&{name}:*"
        and fields.get("commands") == COMMANDS
    )


def acl_users_step(vault: Vault, spec: dict[str, Any], endpoint: str) -> Step:
    """An ACL user per consumer, reaching its own key pattern only; passwords in the consumers' KV entries."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        default = _password(vault, str(spec["provider_secret"]), DEFAULT_KEY)
        if default is None:
            raise StepError(f"no default password in Vault yet ({provider}-default-password)")
        conn = _authed(endpoint, default)
        changes = []
        try:
            for consumer in consumers:
                name, secret = str(consumer["name"]), str(consumer["secret"])
                password = _password(vault, secret, "password")
                if password is not None and _matches(conn.call("ACL", "GETUSER", name), name, password):
                    continue
                changes.append(
                    Change(
                        f"ACL user {name}: keys and channels {name}:*", _setter(vault, endpoint, default, name, secret)
                    )
                )
        finally:
            conn.close()
        return changes

    return FuncStep(f"{provider}-acl-users", f"{len(consumers)} ACL users on {provider}, one key pattern each", read)


def _setter(vault: Vault, endpoint: str, default: str, name: str, secret: str) -> Any:
    def apply() -> None:
        password, _ = kv_secret(vault, strip_kv(secret), "password")
        kv_username(vault, secret, name)
        conn = _authed(endpoint, default)
        try:
            conn.call("ACL", "SETUSER", name, *acl_rules(name, password))
            _save(conn, endpoint)
        finally:
            conn.close()

    return apply
