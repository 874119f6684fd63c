"""What hearth needs to know about each wire protocol a capability speaks: the SQL dialect Vault's database engine
and the bootstrap use, the tool a dump backup runs, the client a Helm test checks liveness with.

These are the per-protocol facts of the capability table's rows (``hearth.capabilities`` refers to them, and
nothing else looks them up by a capability's name). Adding a database capability is a row there plus, here, its
dialect functions.

Each consumer logs in as a user of its own whose password Vault's database engine owns: a static role
(``database/static-roles/<provider>-<consumer>``) rotates it every rotation period and serves the current one at
``database/static-creds/...``. Not dynamic credentials: a login issued per lease is revoked when the lease ends
(24 h at most), under an application that read it once at start (an environment variable, a synced Secret), and
its database connections are dropped with it. A rotated password leaves open connections alone; the consumer
reads the new one when it next starts.

PostgreSQL: per consumer a NOLOGIN role ``<db>_owner`` owns the database ``<db>`` (CONNECT revoked from PUBLIC);
the login ``<db>`` is a member that switches to it on connecting (``ALTER ROLE ... SET role``), so what it creates
belongs to the owner role. It has no password until Vault sets one, so nobody logs in as it before. The admin must
be a superuser, or have CREATEROLE with ADMIN on the owner roles. The bootstrap is run with ``psql``: it uses
``\\gexec``, PostgreSQL having no ``CREATE ROLE/DATABASE IF NOT EXISTS``.

MySQL: the login ``<db>``@``%`` has ALL on the consumer's database only; it is created locked (``ACCOUNT LOCK``:
MySQL 5.7 and MariaDB 10.4 have it) and Vault's rotation unlocks it as it sets the password. The admin needs
CREATE USER and ALL ... WITH GRANT OPTION.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class DatabaseGrant(Protocol):
    """What a dialect reads of a grant: the consumer's database name and the consumer."""

    @property
    def name(self) -> str:
        """The consumer's database (and owner role stem)."""
        ...  # pragma: no cover

    @property
    def consumer(self) -> str:
        """The consuming component."""
        ...  # pragma: no cover


def pg_ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A standard SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def mysql_ident(name: str) -> str:
    """A MySQL identifier, backquoted."""
    return "`" + name.replace("`", "``") + "`"


def owner_role(grant: DatabaseGrant) -> str:
    """The NOLOGIN PostgreSQL role owning the consumer's database."""
    return f"{grant.name}_owner"


def _pg_url(host: str, port: int) -> str:
    return f"postgresql://{{{{username}}}}:{{{{password}}}}@{host}:{port}/postgres?sslmode=disable"


def login(grant: DatabaseGrant) -> str:
    """The consumer's database user, whose password Vault's static role rotates: the database's own name."""
    return grant.name


def _pg_rotation(_grant: DatabaseGrant) -> list[str]:
    return [f"ALTER ROLE {pg_ident('{{name}}')} WITH PASSWORD '{{{{password}}}}';"]


def _pg_bootstrap(grants: Sequence[DatabaseGrant]) -> str:
    lines = ["-- Databases of the consumers, rendered by hearth. Run with psql (\\gexec) as the admin; idempotent."]
    for grant in grants:
        db, owner = grant.name, owner_role(grant)
        create_role = sql_literal(f"CREATE ROLE {pg_ident(owner)} NOLOGIN")
        create_db = sql_literal(f"CREATE DATABASE {pg_ident(db)} OWNER {pg_ident(owner)}")
        user = login(grant)
        create_login = sql_literal(f"CREATE ROLE {pg_ident(user)} LOGIN IN ROLE {pg_ident(owner)}")
        lines += [
            "",
            f"-- {grant.consumer}",
            f"SELECT {create_role} WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(owner)})",
            "\\gexec",
            f"SELECT {create_db} WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {sql_literal(db)})",
            "\\gexec",
            f"REVOKE ALL ON DATABASE {pg_ident(db)} FROM PUBLIC;",
            f"SELECT {create_login} WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {sql_literal(user)})",
            "\\gexec",
            f"ALTER ROLE {pg_ident(user)} SET role = {pg_ident(owner)};",
        ]
    return "\n".join(lines) + "\n"


def _mysql_url(host: str, port: int) -> str:
    return f"{{{{username}}}}:{{{{password}}}}@tcp({host}:{port})/"


def _mysql_rotation(_grant: DatabaseGrant) -> list[str]:
    return ["ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}' ACCOUNT UNLOCK;"]


def _mysql_bootstrap(grants: Sequence[DatabaseGrant]) -> str:
    lines = ["-- Databases of the consumers, rendered by hearth. Run as the admin; idempotent."]
    for grant in grants:
        user = sql_literal(login(grant)) + "@'%'"
        lines += [
            "",
            f"-- {grant.consumer}",
            f"CREATE DATABASE IF NOT EXISTS {mysql_ident(grant.name)};",
            f"CREATE USER IF NOT EXISTS {user} ACCOUNT LOCK;",
            f"GRANT ALL PRIVILEGES ON {mysql_ident(grant.name)}.* TO {user};",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Dialect:
    """How one database capability spells its Vault plugin, connection URL, statements and bootstrap."""

    plugin: str
    url: Callable[[str, int], str]
    rotation: Callable[[DatabaseGrant], list[str]]
    bootstrap: Callable[[Sequence[DatabaseGrant]], str]


POSTGRES = Dialect("postgresql-database-plugin", _pg_url, _pg_rotation, _pg_bootstrap)
MYSQL = Dialect("mysql-database-plugin", _mysql_url, _mysql_rotation, _mysql_bootstrap)


# The AMQP 0-9-1 protocol header, and the first 11 bytes of the server's Connection.Start frame as `od -An -tx1`
# prints them: type 1 (method), channel 0, a 4-byte size, class 10 (connection), method 10 (start).
AMQP_HEADER = "AMQP\\000\\000\\011\\001"
AMQP_START = "^ *01 00 00 .. .. .. .. 00 0a 00 0a *$"
# busybox: for `nc` (and sh, printf, od), pinned.
NC_IMAGE = "docker.io/library/busybox:1.36.1"

HealthClient = Callable[[str, str, int], tuple[str | None, list[str]]]
"""(the component's health binary, host, port) -> (image, or None for the component's own; the command)."""


def pg_health(_binary: str, host: str, port: int) -> tuple[str | None, list[str]]:
    """pg_isready against the Service, from the database's own image."""
    return None, ["pg_isready", "-h", host, "-p", str(port)]


def mysql_health(_binary: str, host: str, port: int) -> tuple[str | None, list[str]]:
    """mysqladmin ping against the Service."""
    return None, ["mysqladmin", "ping", "-h", host, "-P", str(port)]


def mongo_health(_binary: str, host: str, port: int) -> tuple[str | None, list[str]]:
    """mongosh's ping command against the Service."""
    return None, ["mongosh", "--host", host, "--port", str(port), "--quiet", "--eval", "db.adminCommand('ping').ok"]


def redis_health(binary: str, host: str, port: int) -> tuple[str | None, list[str]]:
    """redis-cli (or valkey-cli) ping: it exits 0 on an error reply too (NOAUTH, LOADING), so only a PONG counts."""
    cli = binary if binary.endswith("-cli") else "redis-cli"
    return None, ["sh", "-c", f"{cli} -h {host} -p {port} ping | grep -q PONG"]


def amqp_health(_binary: str, host: str, port: int) -> tuple[str | None, list[str]]:
    """The AMQP opening handshake from busybox: the protocol header out, the Connection.Start frame back."""
    command = f"printf '{AMQP_HEADER}' | nc -w 5 {host} {port} | head -c 11 | od -An -tx1 | grep -q '{AMQP_START}'"
    return NC_IMAGE, ["sh", "-c", command]


@dataclass(frozen=True)
class DumpTool:
    """A protocol's own dump tool: which credentials it reads and the shell command that writes to /backup.

    ``script`` connects to ``{host}:{port}`` with the credentials the Vault agent rendered: the user name into
    ``user_env``, the password into ``password_env`` when the tool reads it from its environment (``PGPASSWORD``,
    ``MYSQL_PWD``), or else into a YAML file the tool reads (``config``: YAML key -> KV field, rendered at
    ``DUMP_CONFIG``, which ``script`` names as ``{config}``). A password never goes on the tool's command line,
    where ``ps`` shows it to every user of the node. ``ports`` are port names to dump through in preference to the
    capability's own port.
    """

    user_env: str
    password_env: str | None
    script: str
    ports: tuple[str, ...] = ()
    config: tuple[tuple[str, str], ...] = ()


DUMP_CONFIG = "/vault/secrets/dump-config.yaml"
"""Where the agent renders a dump tool's ``config`` file (the ``.yaml`` ending tells clickhouse-client its format)."""

PG_DUMP = DumpTool(
    "PGUSER", "PGPASSWORD", "pg_dumpall --host={host} --port={port} --clean --if-exists --file=/backup/dump.sql"
)
MYSQL_DUMP = DumpTool(
    "MYSQL_USER",
    "MYSQL_PWD",
    'mysqldump --host={host} --port={port} --user="$MYSQL_USER" --all-databases --single-transaction'
    # --flush-privileges: the dump reloads the grant tables it restores, or its accounts cannot log in.
    " --routines --events --triggers --flush-privileges --result-file=/backup/dump.sql",
)
# mongodump --config=<file> (MongoDB Database Tools 100.3.0 on; the mongo image ships them): "a YAML configuration
# file that contains sensitive values for ... --password, --uri, --sslPEMKeyPassword ... the recommended way to
# specify a password to mongodump, aside from specifying it through a password prompt"
# (mongodb.com/docs/database-tools/mongodump/#std-option-mongodump.--config).
MONGO_DUMP = DumpTool(
    "MONGO_USERNAME",
    None,
    'mongodump --host={host} --port={port} --username="$MONGO_USERNAME" --config={config}'
    " --authenticationDatabase=admin --archive=/backup/dump.archive --gzip",
    config=(("password", "password"),),
)
# clickhouse-client --config-file=<file>: its connection settings (user, password, ...) from an XML or YAML file,
# YAML when the name ends in .yaml/.yml (clickhouse.com/docs/interfaces/cli "Configuration files"; the server's
# ConfigProcessor picks the parser by extension, clickhouse.com/docs/operations/configuration-files).
CLICKHOUSE_DUMP = DumpTool(
    "CLICKHOUSE_USER",
    None,
    'ch() {{ clickhouse-client --host={host} --port={port} --config-file={config} "$@"; }}; '
    "ch --query=\"SELECT database || '.' || name FROM system.tables WHERE NOT is_temporary AND database"
    " NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')\" | while read -r t; do "
    'ch --query="SHOW CREATE TABLE $t FORMAT TSVRaw" > "/backup/$t.sql"; '
    'ch --query="SELECT * FROM $t FORMAT Native" > "/backup/$t.native"; done',
    ports=("native", "tcp"),
    config=(("user", "username"), ("password", "password")),
)
