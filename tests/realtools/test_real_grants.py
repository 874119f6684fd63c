"""The provider side of ``database`` grants against real servers: the rendered bootstrap SQL applied (twice) to
PostgreSQL 15 and MariaDB, OpenBao's database secrets engine (its bundled postgresql and mysql plugins) configured
with the rendered config (plus the admin login the operator sets) and static roles, and the logins they own used:
nobody logs in as a consumer before Vault sets its password, each consumer's login works in its own database only,
and a rotation replaces the password (the old one refused, the new one served) while the SQL rerun keeps it."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from typing import Any

from realtools_servers import LOOPBACK, Bao, MariaDB, Postgres, bao_server, mariadb_server, ok, postgres_server, run

from hearth.catalog.loader import load_catalog
from hearth.render.grants import ADMIN_PLACEHOLDER, render_database_grants
from hearth.render.model import RenderedPlatform
from hearth.resolve import resolve
from hearth.resolve.records import Grant


def _psql(pg: Postgres, sql: str, *, db: str, user: str, password: str) -> subprocess.CompletedProcess[str]:
    """``sql`` (a script: psql meta-commands allowed) over TCP as ``user``; not checked."""
    env = {"PATH": f"{pg.bin}:/usr/bin:/bin", "HOME": str(pg.dir), "LANG": "C.UTF-8", "PGPASSWORD": password}
    cmd = [str(pg.bin / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", LOOPBACK, "-p", str(pg.port)]
    return run([*cmd, "-U", user, "-d", db], stdin=sql, env=env)


def _configure(bao: Bao, provider: str, files: dict[str, str], url: str, user: str, password: str) -> None:
    """Mount the database engine and write the rendered config with what the operator sets (the admin login; here
    also the test server's address), then every rendered static role as is (Vault sets each login's password)."""
    rendered = json.loads(files[f"vault/database/config/{provider}.json"])
    assert rendered["username"] == ADMIN_PLACEHOLDER and "password" not in rendered
    bao.must("POST", "sys/mounts/database", {"type": "database"})
    config = {**rendered, "connection_url": url, "username": user, "password": password}
    bao.must("POST", f"database/config/{provider}", config)
    stored = bao.must("GET", f"database/config/{provider}")["data"]
    assert stored["plugin_name"] == rendered["plugin_name"]
    assert stored["allowed_roles"] == rendered["allowed_roles"]
    assert stored["connection_details"]["username"] == user
    for role in rendered["allowed_roles"]:
        static = json.loads(files[f"vault/database/static-roles/{role}.json"])
        bao.must("POST", f"database/static-roles/{role}", static)


def _creds(bao: Bao, role: str) -> tuple[str, str]:
    answer: dict[str, Any] = bao.must("GET", f"database/static-creds/{role}")
    return answer["data"]["username"], answer["data"]["password"]


def _local_url(url: str, host: str, port: int) -> str:
    """The rendered connection URL with the provider's Service replaced by the test server on loopback."""
    local = url.replace(host, f"{LOOPBACK}:{port}")
    assert local != url and "{{username}}:{{password}}" in local
    return local


def test_postgres_databases_and_vault_credentials(rendered_seed: RenderedPlatform) -> None:
    files = rendered_seed.files
    roles = json.loads(files["vault/database/config/postgresql.json"])["allowed_roles"]
    a, b = "postgresql-n8n", "postgresql-vaultwarden"
    assert {a, b} <= set(roles)
    script = files["databases/postgresql.sql"]
    with postgres_server() as pg, bao_server() as bao:
        for _ in range(2):  # idempotent: the second run changes nothing and does not fail
            ok(_psql(pg, script, db="postgres", user=pg.superuser, password=pg.password))
        databases = sorted(r.removeprefix("postgresql-").replace("-", "_") for r in roles)
        owners = pg.psql(
            "SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database WHERE datname <> ALL"
            "('{postgres,template0,template1}') ORDER BY 1"
        ).split()
        assert owners == [f"{name}={name}_owner" for name in databases]
        owner_roles = pg.psql("SELECT rolname FROM pg_roles WHERE rolname LIKE '%\\_owner' AND NOT rolcanlogin")
        assert set(owner_roles.split()) == {f"{name}_owner" for name in databases} | {"pg_database_owner"}
        assert pg.psql("SELECT has_database_privilege('public', 'n8n', 'CONNECT')").strip() == "f"

        before = _psql(pg, "SELECT 1;", db="n8n", user="n8n", password="")
        assert before.returncode != 0, "a login without a password must not get in"

        url = json.loads(files["vault/database/config/postgresql.json"])["connection_url"]
        _configure(bao, "postgresql", files, _local_url(url, "postgresql.db.svc:5432", pg.port), "admin", "admin-pw")
        user_a, pw_a = _creds(bao, a)
        user_b, pw_b = _creds(bao, b)
        assert (user_a, user_b) == ("n8n", "vaultwarden")

        # A works in its own database; what it creates belongs to the owner role, not to the login.
        made = _psql(
            pg,
            "CREATE TABLE notes (id int); INSERT INTO notes VALUES (1); SELECT current_user, "
            "pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'notes';",
            db="n8n",
            user=user_a,
            password=pw_a,
        )
        assert ok(made).stdout.split() == ["n8n_owner|n8n_owner"]
        # A cannot connect to B's database nor take B's owner role; B cannot connect to A's.
        denied = _psql(pg, "SELECT 1;", db="vaultwarden", user=user_a, password=pw_a)
        assert denied.returncode != 0 and 'permission denied for database "vaultwarden"' in denied.stderr
        denied = _psql(pg, 'SET ROLE "vaultwarden_owner";', db="n8n", user=user_a, password=pw_a)
        assert denied.returncode != 0 and "permission denied to set role" in denied.stderr
        denied = _psql(pg, "SELECT 1;", db="n8n", user=user_b, password=pw_b)
        assert denied.returncode != 0 and 'permission denied for database "n8n"' in denied.stderr
        ok(_psql(pg, "CREATE TABLE vault (id int);", db="vaultwarden", user=user_b, password=pw_b))

        # The bootstrap SQL run again leaves the password Vault set alone.
        ok(_psql(pg, script, db="postgres", user=pg.superuser, password=pg.password))
        ok(_psql(pg, "SELECT 1;", db="n8n", user=user_a, password=pw_a))
        # A rotation replaces A's password: the old one is refused, Vault serves the new one; B's stays.
        bao.must("POST", f"database/rotate-role/{a}")
        rotated = _creds(bao, a)
        assert rotated[0] == user_a and rotated[1] != pw_a
        gone = _psql(pg, "SELECT 1;", db="n8n", user=user_a, password=pw_a)
        assert gone.returncode != 0 and "password authentication failed" in gone.stderr
        assert ok(_psql(pg, "SELECT count(*) FROM notes;", db="n8n", user=user_a, password=rotated[1])).stdout == "1\n"
        ok(_psql(pg, "SELECT 1;", db="vaultwarden", user=user_b, password=pw_b))


def _mysql_files() -> dict[str, str]:
    """The seed's mysql grant (ghost) plus a second consumer: rendered from the grants alone."""
    resolved = resolve(load_catalog(None))
    extra = Grant("database", "mysql", "wiki-two", "mysql", "wiki_two")
    return render_database_grants(replace(resolved, grants=[*resolved.grants, extra]))


def _mysql(db: MariaDB, sql: str, user: str, password: str) -> subprocess.CompletedProcess[str]:
    return db.tcp_sql(sql, user, password)


def test_mysql_databases_and_vault_credentials(rendered_seed: RenderedPlatform) -> None:
    files = _mysql_files()
    assert (
        files["vault/database/static-roles/mysql-ghost.json"]
        == rendered_seed.files["vault/database/static-roles/mysql-ghost.json"]
    )
    a, b = "mysql-ghost", "mysql-wiki-two"
    assert json.loads(files["vault/database/config/mysql.json"])["allowed_roles"] == [a, b]
    with mariadb_server() as db, bao_server() as bao:
        for _ in range(2):
            db.sql(files["databases/mysql.sql"])
        assert db.sql("SHOW DATABASES LIKE 'ghost'").split() == ["ghost"]
        assert db.sql("SHOW DATABASES LIKE 'wiki_two'").split() == ["wiki_two"]

        locked = _mysql(db, "SELECT 1;", "ghost", "")
        assert locked.returncode != 0, "the login is locked until Vault sets its password"

        url = json.loads(files["vault/database/config/mysql.json"])["connection_url"]
        _configure(bao, "mysql", files, _local_url(url, "mysql.db.svc:3306", db.port), "root", db.root_password)
        user_a, pw_a = _creds(bao, a)
        user_b, pw_b = _creds(bao, b)
        assert (user_a, user_b) == ("ghost", "wiki_two")

        made = _mysql(
            db,
            "CREATE TABLE ghost.posts (id int); INSERT INTO ghost.posts VALUES (1); SELECT count(*) FROM ghost.posts;",
            user_a,
            pw_a,
        )
        assert ok(made).stdout.split() == ["1"]
        for sql in (
            "USE wiki_two;",
            "CREATE TABLE wiki_two.t (id int);",
            "SELECT * FROM mysql.user;",
            "CREATE DATABASE other;",
        ):
            denied = _mysql(db, sql, user_a, pw_a)
            assert denied.returncode != 0 and "denied" in denied.stderr, (sql, denied.stderr)
        denied = _mysql(db, "SELECT * FROM ghost.posts;", user_b, pw_b)
        assert denied.returncode != 0 and "denied" in denied.stderr
        ok(_mysql(db, "CREATE TABLE wiki_two.pages (id int);", user_b, pw_b))

        for _ in range(2):  # the SQL again keeps the password and the unlock Vault's rotation made
            db.sql(files["databases/mysql.sql"])
        ok(_mysql(db, "SELECT 1;", user_a, pw_a))
        bao.must("POST", f"database/rotate-role/{a}")
        rotated = _creds(bao, a)
        assert rotated[0] == user_a and rotated[1] != pw_a
        gone = _mysql(db, "SELECT 1;", user_a, pw_a)
        assert gone.returncode != 0 and "Access denied" in gone.stderr
        assert ok(_mysql(db, "SELECT count(*) FROM ghost.posts;", user_a, rotated[1])).stdout.split() == ["1"]
        ok(_mysql(db, "SELECT 1;", user_b, pw_b))


def test_dialect_files_exist_only_for_rendered_capabilities(rendered_seed: RenderedPlatform) -> None:
    """mongodb and clickhouse grants get no provider-side files (not rendered yet)."""
    paths = set(rendered_seed.files)
    assert not any(p.startswith(("vault/database/config/mongodb", "vault/database/config/clickhouse")) for p in paths)
    assert {"databases/postgresql.sql", "databases/mysql.sql"} <= paths
