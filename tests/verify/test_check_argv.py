"""The secrets section fails on a credential in a container's argument list (``ps`` shows it to every user).

A table of containers, each with the finding it must give or none; the seed build has none; and the dump jobs as
rendered before this check (mongodump and clickhouse-client with ``--password="$..."``), planted back into the
seed build, fail ``hearth check``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.report import run_check
from hearth.verify.secrets.argv import container_findings, credential_name, simple_commands

# The dump scripts as rendered until the password moved into a file (hearth.protocols MONGO_DUMP, CLICKHOUSE_DUMP).
OLD_MONGODUMP = (
    "set -eu\n. /vault/secrets/database\n"
    'mongodump --host=mongodb.db.svc --port=27017 --username="$MONGO_USERNAME" --password="$MONGO_PASSWORD"'
    " --authenticationDatabase=admin --archive=/backup/dump.archive --gzip"
)
OLD_CLICKHOUSE = (
    "set -eu\n. /vault/secrets/database\n"
    'ch() { clickhouse-client --host=clickhouse.db.svc --port=9000 --user="$CLICKHOUSE_USER"'
    ' --password="$CLICKHOUSE_PASSWORD" "$@"; }; ch --query="SELECT 1" | while read -r t; do '
    'ch --query="SHOW CREATE TABLE $t FORMAT TSVRaw" > "/backup/$t.sql"; done'
)


def sh(script: str) -> dict[str, Any]:
    return {"name": "c", "command": ["/bin/sh", "-c", script]}


CASES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("old mongodump", sh(OLD_MONGODUMP), [("option", "mongodump: --password")]),
    ("old clickhouse-client", sh(OLD_CLICKHOUSE), [("option", "clickhouse-client: --password")]),
    ("option with a literal", {"name": "c", "args": ["--db.password=hunter2"]}, [("option", "--db.password")]),
    ("option, value next", {"name": "c", "args": ["--api-key", "abc"]}, [("option", "--api-key")]),
    ("token option", {"name": "c", "command": ["vault", "login", "-token=$(VAULT_TOKEN)"]}, [("option", "-token")]),
    ("URL with a password", sh('mongosh "mongodb://root:$ROOT@db:27017/admin"'), [("url", "mongosh: " + "a URL")]),
    ("URL in args", {"name": "c", "args": ["--uri=postgres://u:p@db/x"]}, [("url", "a URL")]),
    ("expanded variable", sh('redis-cli -a "$REDIS_PASSWORD" ping'), [("expansion", "redis-cli: $REDIS_PASSWORD")]),
    ("braced variable", sh("curl -H X-Token:${API_TOKEN} http://x"), [("expansion", "curl: $API_TOKEN")]),
    ("short option -p", sh('mysql -p"$MYSQL_PWD" -e "SELECT 1"'), [("expansion", "mysql: $MYSQL_PWD")]),
    ("substitution of the agent file", sh("tool --login $(cat /vault/secrets/db)"), [("expansion", "tool: a")]),
    ("inside a substitution", sh('x="$(psql --password=$PGPASS -c 1)"'), [("option", "psql: --password")]),
    ("backquoted agent file", sh("tool --login `cat /vault/secrets/db`"), [("expansion", "tool: a")]),
    ("inside backquotes", sh('x="`psql --password=$PGPASS -c 1`"'), [("option", "psql: --password")]),
    ("after exec", sh(". /vault/secrets/a && exec app --secret=$S"), [("option", "app: --secret")]),
    (
        "a Secret expanded by the kubelet",
        {
            "name": "c",
            "env": [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
            "args": ["--dsn=user@db/$(DB)"],
        },
        [("kubernetes", "$(DB)")],
    ),
    # Nothing in any of these reaches a program's argv.
    ("environment only", sh(". /vault/secrets/database\npg_dumpall --host=db --file=/backup/dump.sql"), []),
    ("password file", {"name": "c", "args": ["--redis.password-file=/vault/secrets/app"]}, []),
    ("config file", sh('mongodump --username="$MONGO_USERNAME" --config=/vault/secrets/dump-config.yaml'), []),
    ("boolean option", sh("pg_dumpall --no-role-passwords --clean"), []),
    ("export and builtins", sh('export P="$PASSWORD"; echo "$PASSWORD" | tool --password-stdin'), []),
    ("leading assignment", sh('PGPASSWORD="$DB_PASSWORD" psql -h db'), []),
    ("single quotes are literal", sh("tool --query='SELECT $PASSWORD'"), []),
    ("a comment", sh("# --password=$P\ntool"), []),
    ("redirection target", sh('tool > "$SECRET_DIR/out"'), []),
    ("working directory", sh('tool --in "$PWD/x"'), []),
    ("access key id", sh('aws s3 ls --profile "$AWS_ACCESS_KEY_ID"'), []),
    ("escaped kubelet reference", {"name": "c", "env": [{"name": "P", "value": "x"}], "args": ["$$(P)"]}, []),
]


@pytest.mark.parametrize(("container", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_container_findings(container: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found = container_findings(container)
    assert [kind for kind, _ in found] == [kind for kind, _ in expected], found
    for (_, detail), (_, want) in zip(found, expected, strict=True):
        assert detail.startswith(want), found


@pytest.mark.parametrize(
    ("name", "is_credential"),
    [
        ("--password", True),
        ("MONGO_PASSWORD", True),
        ("MYSQL_PWD", True),
        ("PWD", False),
        ("--password-file", False),
        ("REDIS_PASSWORD_FILE", False),
        ("--no-role-passwords", False),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("AWS_ACCESS_KEY_ID", False),
        ("--host", False),
    ],
)
def test_credential_names(name: str, is_credential: bool) -> None:
    assert credential_name(name) is is_credential


def test_simple_commands_follow_quotes_and_operators() -> None:
    commands = simple_commands("a 'b c' \"d $E\"; f | g && h > out 2>&1\n")
    assert [[w.text for w in c] for c in commands] == [["a", "b c", "d $E"], ["f"], ["g"], ["h"]]
    assert commands[0][2].variables == ["E"]


def test_the_seed_passes_and_the_old_dump_jobs_fail(rendered: Path, build: Path) -> None:
    section = run_check(rendered).section("secrets")
    assert section.argv == [], section.argv
    seed_build_copy = build
    for component, script in (("mongodb", OLD_MONGODUMP), ("clickhouse", OLD_CLICKHOUSE)):
        path = seed_build_copy / "manifests" / f"{component}.yaml"
        documents = list(yaml.safe_load_all(path.read_text()))
        job = next(d for d in documents if d and d["kind"] == "CronJob")
        init = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"][0]
        init["command"] = ["/bin/sh", "-c", script]
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    for stamp in (".hearth-build", ".hearth-index"):
        (seed_build_copy / stamp).unlink(missing_ok=True)
    report = run_check(seed_build_copy)
    section = report.section("secrets")
    assert section.failed
    assert sorted((a.reader, a.container, a.detail) for a in section.argv) == [
        ("CronJob db/clickhouse-backup", "dump", "clickhouse-client: --password"),
        ("CronJob db/mongodb-backup", "dump", "mongodump: --password"),
    ]
    assert any("credential in its argument list" in f.problem for f in report.findings())
