"""The seed's bootstrap plan holds a step for every provider grant the build renders: ``hearth bootstrap
--dry-run`` lists the ClickHouse, MongoDB and Stalwart steps beside the others, in order after the Vault steps."""

from __future__ import annotations

import json

from hearth.bootstrap import Options, plan_steps
from hearth.catalog.loader import load_catalog
from hearth.commands.render import render_files
from tools import RunHearth

SEED = load_catalog(None)
NEW = ["clickhouse-databases", "mongodb-users", "stalwart-mailboxes"]


def test_every_rendered_provider_grant_has_a_step() -> None:
    files = render_files(SEED).files
    names = [s.name for s in plan_steps(SEED, files, Options(vault_address="http://127.0.0.1:1"))]
    assert [n for n in names if n in NEW] == NEW
    assert names.index("vault-kv") < names.index(NEW[0])
    providers = {json.loads(t)["provider"] for p, t in files.items() if p.startswith("grants/")}
    assert {n.rpartition("-")[0] for n in NEW} <= providers


def test_a_dry_run_of_the_seed_lists_the_new_steps(hearth: RunHearth) -> None:
    result = hearth("bootstrap", "--dry-run", "--vault-addr", "http://127.0.0.1:1", "-o", "json")
    listed = [s["step"] for s in json.loads(result.stdout)["steps"]]
    assert all(name in listed for name in NEW), listed
    assert result.exit_code == 2  # Vault at 127.0.0.1:1 does not answer
