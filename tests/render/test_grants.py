"""Shapes of grants.py's files: the Vault database engine config and roles, and the provider-side bootstrap SQL."""

from __future__ import annotations

import json
import re

import pytest

from hearth.catalog.loader import load_catalog
from hearth.protocols import mysql_ident, pg_ident, sql_literal
from hearth.render.grants import ADMIN_PLACEHOLDER, render_database_grants
from hearth.render.model import RenderedPlatform
from hearth.render.platform import upstream_values
from hearth.resolve import resolve
from hearth.resolve.records import Resolved


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog(None))


def test_the_data_case_renders_one_postgres_provider(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    files = render_database_grants(resolved_cases["data"])
    assert set(files) == {
        "vault/database/config/postgres.json",
        "vault/database/static-roles/postgres-notes.json",
        "databases/postgres.sql",
    }
    assert files.items() <= rendered_cases["data"].files.items()
    config = json.loads(files["vault/database/config/postgres.json"])
    assert config == {
        "plugin_name": "postgresql-database-plugin",
        "connection_url": "postgresql://{{username}}:{{password}}@postgres.db.svc:5432/postgres?sslmode=disable",
        "username": ADMIN_PLACEHOLDER,
        "allowed_roles": ["postgres-notes"],
        "verify_connection": False,
    }
    role = json.loads(files["vault/database/static-roles/postgres-notes.json"])
    assert role == {
        "db_name": "postgres",
        "username": "notes",
        "rotation_period": 30 * 24 * 3600,
        "rotation_statements": ["ALTER ROLE \"{{name}}\" WITH PASSWORD '{{password}}';"],
    }
    sql = files["databases/postgres.sql"]
    assert 'CREATE ROLE "notes_owner" NOLOGIN\'' in sql and 'CREATE DATABASE "notes" OWNER "notes_owner"\'' in sql
    assert 'REVOKE ALL ON DATABASE "notes" FROM PUBLIC;' in sql and sql.count("\n\\gexec\n") == 3
    assert 'CREATE ROLE "notes" LOGIN IN ROLE "notes_owner"\'' in sql
    assert 'ALTER ROLE "notes" SET role = "notes_owner";' in sql


def test_no_database_grants_no_files(rendered_cases: dict[str, RenderedPlatform]) -> None:
    for case in ("bare", "web"):
        assert not [p for p in rendered_cases[case].files if p.startswith(("databases/", "vault/database/"))]


def test_seed_roles_match_the_paths_consumers_read(seed: Resolved) -> None:
    """Every ``database/static-creds/<role>`` a postgres/mysql consumer's policy reads has one role file, listed
    in its provider's ``allowed_roles``; mongodb and clickhouse grants are not rendered."""
    files = render_database_grants(seed)
    prefix = "vault/database/static-roles/"
    roles = {p.removeprefix(prefix).removesuffix(".json") for p in files if p.startswith(prefix)}
    wanted = {f"{g.provider}-{g.consumer}" for g in seed.grants if g.capability in ("postgres", "mysql")}
    assert roles == wanted and "mysql-ghost" in roles and "postgresql-n8n" in roles
    assert not any(g.provider in p for g in seed.grants if g.capability in ("mongodb", "clickhouse") for p in files)
    for provider in ("postgresql", "mysql"):
        config = json.loads(files[f"vault/database/config/{provider}.json"])
        assert set(config["allowed_roles"]) == {r for r in roles if r.startswith(f"{provider}-")}
    mysql = json.loads(files["vault/database/config/mysql.json"])
    assert mysql["plugin_name"] == "mysql-database-plugin"
    assert mysql["connection_url"] == "{{username}}:{{password}}@tcp(mysql.db.svc:3306)/"
    ghost = json.loads(files["vault/database/static-roles/mysql-ghost.json"])
    assert ghost["rotation_statements"] == ["ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}' ACCOUNT UNLOCK;"]
    assert files["databases/mysql.sql"].splitlines()[-3:] == [
        "CREATE DATABASE IF NOT EXISTS `ghost`;",
        "CREATE USER IF NOT EXISTS 'ghost'@'%' ACCOUNT LOCK;",
        "GRANT ALL PRIVILEGES ON `ghost`.* TO 'ghost'@'%';",
    ]


def test_database_names_are_the_grant_names(seed: Resolved) -> None:
    files = render_database_grants(seed)
    for grant in seed.grants:
        if grant.capability == "postgres":
            assert re.fullmatch(r"[a-z0-9_]+", grant.name)
            assert f"CREATE DATABASE {pg_ident(grant.name)} OWNER" in files[f"databases/{grant.provider}.sql"]


def test_identifiers_and_literals_are_quoted() -> None:
    assert pg_ident('a"b') == '"a""b"' and mysql_ident("a`b") == "`a``b`" and sql_literal("it's") == "'it''s'"


def _blocks_at(values: object, host: str) -> list[dict[str, object]]:
    """Every mapping in ``values`` whose ``host`` (or JDBC ``url``) points at ``host``."""
    found: list[dict[str, object]] = []
    if isinstance(values, dict):
        target = str(values.get("host", "")) + str(values.get("url", ""))
        if host in target:
            found.append(values)
        for value in values.values():
            found += _blocks_at(value, host)
    elif isinstance(values, list):
        for value in values:
            found += _blocks_at(value, host)
    return found


DATABASE_KEYS = ("database", "coreDatabase", "username", "user")


def test_upstream_charts_name_the_granted_database_and_login(seed: Resolved) -> None:
    """Where a chart's values point at a database provider, the database and login they name are the ones the
    grant creates (GitLab's gitlabhq_production and Harbor's registry named databases nothing created)."""
    checked = 0
    for grant in seed.grants:
        if grant.capability not in ("postgres", "mysql") or seed.component(grant.consumer).install.chart is None:
            continue
        host = f"{grant.provider}.{seed.component(grant.provider).namespace}.svc"
        for block in _blocks_at(upstream_values(seed, seed.component(grant.consumer)), host):
            named = {k: block[k] for k in DATABASE_KEYS if isinstance(block.get(k), str)}
            url = str(block.get("url", ""))
            if url.startswith("jdbc:"):
                named["url"] = url.rsplit("/", 1)[-1]
            assert set(named.values()) <= {grant.name}, (grant.consumer, named)
            checked += len(named)
    assert checked >= 8
