"""``hearth bootstrap``'s OIDC client secrets against a real OpenBao (raft, static seal), from uninitialized.

The plan (the seed's Vault steps and its identity provider's clients, ``sso/clients.json``) runs twice: the first
run generates every client's id and secret into the KV entry its Authentik blueprint and its consumer read, the
second reports every step unchanged. Tokens holding the rendered policies show who reads them: the consumer its
own entry only, the identity provider every client's. An entry missing its secret gets one; an existing secret is
never replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import pytest
import yaml
from realtools_bao import real_bao
from realtools_runs import build_files, by_name, operator_options, run_twice

from hearth.bootstrap import Options, StepResult, bootstrap
from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform

SEED = load_catalog(None)


class Run:
    """OpenBao's root client, the options and files, the build's clients and both runs' results."""

    def __init__(self, vault: hvac.Client, options: Options, files: dict[str, str]) -> None:
        self.vault, self.options, self.files = vault, options, files
        listed = json.loads(files["sso/clients.json"])
        self.provider: str = listed["provider"]
        self.clients: list[dict[str, str]] = listed["clients"]
        self.step = f"{self.provider}-client-secrets"
        self.runs: list[list[StepResult]] = []

    def entry(self, path: str, client: hvac.Client | None = None) -> dict[str, Any]:
        kv = (client or self.vault).secrets.kv.v2
        answer = kv.read_secret_version(path=path.removeprefix("kv/"), mount_point="kv", raise_on_deleted_version=True)
        return dict(answer["data"]["data"])

    def token(self, policy: str) -> hvac.Client:
        """A client whose token holds only the rendered policy ``policy``."""
        made = self.vault.auth.token.create(policies=[policy], no_default_policy=True, ttl="10m")
        return hvac.Client(url=self.vault.url, token=made["auth"]["client_token"], verify=str(self.options.vault_ca))


@pytest.fixture(scope="module")
def sso(rendered_seed: RenderedPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    # The providers' grants have their own servers (test_real_bootstrap_grants.py, _rabbitmq.py, _s3.py).
    files = build_files(rendered_seed, SEED)
    work: Path = tmp_path_factory.mktemp("operator")
    with real_bao("static") as bao:
        options = operator_options(bao, work)
        state = Run(hvac.Client(url=bao.address, verify=str(bao.ca)), options, files)
        state.runs, state.vault.token = run_twice(SEED, files, options)
        yield state


def test_first_run_generates_every_clients_secret(sso: Run) -> None:
    first = by_name(sso.runs[0])
    assert all(r.status != "failed" for r in first.values()), [r.error for r in first.values() if r.error]
    assert len(sso.clients) >= 10
    assert first[sso.step].status == "created"
    assert first[sso.step].changes == [
        f"{c['secret']}: generate client_secret, client_id {c['client_id']}" for c in sso.clients
    ]
    secrets = set()
    for client in sso.clients:
        entry = sso.entry(client["secret"])
        assert entry["client_id"] == client["client_id"] and len(entry["client_secret"]) >= 43
        secrets.add(entry["client_secret"])
    assert len(secrets) == len(sso.clients)


def test_second_run_reports_every_step_unchanged(sso: Run) -> None:
    second = sso.runs[1]
    assert {r.name: str(r.status) for r in second} == {r.name: "unchanged" for r in second}, [
        r.changes for r in second if r.changes
    ]


def test_each_blueprint_reads_its_clients_entry_through_the_providers_agent(sso: Run) -> None:
    values = yaml.safe_load(sso.files[f"values/{sso.provider}.yaml"])
    text = json.dumps(values)
    for client in sso.clients:
        blueprint = sso.files[f"sso/blueprints/oidc-{client['consumer']}.yaml"]
        assert f"client_secret: !File '/vault/secrets/sso-{client['consumer']}'" in blueprint
        annotation = f"vault.hashicorp.com/agent-inject-secret-sso-{client['consumer']}"
        assert f'"{annotation}": "{client["secret"].replace("kv/", "kv/data/", 1)}"' in text


@pytest.mark.parametrize(("consumer", "other"), [("affine", "gitlab"), ("gitlab", "harbor")])
def test_a_consumer_reads_its_own_client_secret_only(sso: Run, consumer: str, other: str) -> None:
    by_consumer = {c["consumer"]: c for c in sso.clients}
    own, theirs = by_consumer[consumer]["secret"], by_consumer[other]["secret"]
    token = sso.token(consumer)
    assert sso.entry(own, token) == sso.entry(own)
    with pytest.raises(hvac.exceptions.Forbidden):
        sso.entry(theirs, token)


def test_the_identity_provider_reads_every_clients_secret(sso: Run) -> None:
    token = sso.token(sso.provider)
    for client in sso.clients:
        assert sso.entry(client["secret"], token)["client_secret"] == sso.entry(client["secret"])["client_secret"]


def test_a_missing_secret_is_generated_and_an_existing_one_kept(sso: Run) -> None:
    lost, kept = sso.clients[0], sso.clients[1]
    before = sso.entry(kept["secret"])
    kv = sso.vault.secrets.kv.v2
    kv.create_or_update_secret(
        path=lost["secret"].removeprefix("kv/"), secret={"client_id": lost["client_id"]}, mount_point="kv"
    )
    planned = by_name(bootstrap(SEED, sso.files, sso.options, only=[sso.step], dry_run=True))[sso.step]
    assert planned.status == "planned" and planned.changes == [f"{lost['secret']}: generate client_secret"]
    assert "client_secret" not in sso.entry(lost["secret"])  # the dry run wrote nothing
    done = by_name(bootstrap(SEED, sso.files, sso.options, only=[sso.step]))[sso.step]
    assert done.status == "created" and done.changes == planned.changes
    assert len(sso.entry(lost["secret"])["client_secret"]) >= 43
    assert sso.entry(kept["secret"]) == before


def test_no_client_secret_reaches_the_report(sso: Run) -> None:
    text = json.dumps([r.as_json() for run in sso.runs for r in run])
    for client in sso.clients:
        assert sso.entry(client["secret"])["client_secret"] not in text
