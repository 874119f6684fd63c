"""``hearth bootstrap``: bring Vault from empty to configured and make every rendered grant real, idempotently.

Each step reads the current state and changes only what differs (``model``); ``runner`` runs them in order and
reports created / unchanged / failed. What is applied comes from the rendered build (``build``), the init facts
from the catalog (``Component.secrets_init`` of the secrets provider), secrets only from Vault or the operator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hearth.bootstrap.build import Build
from hearth.bootstrap.clickhouse import clickhouse_steps
from hearth.bootstrap.databases import database_steps
from hearth.bootstrap.keyvalue import keyvalue_steps
from hearth.bootstrap.marker import marker_step
from hearth.bootstrap.model import ProviderStep, Status, Step, StepResult
from hearth.bootstrap.mongodb import mongodb_steps
from hearth.bootstrap.operator import Operator
from hearth.bootstrap.rabbitmq import rabbitmq_steps
from hearth.bootstrap.runner import Progress, run_steps, select
from hearth.bootstrap.s3 import s3_steps
from hearth.bootstrap.sso import sso_steps
from hearth.bootstrap.stalwart import stalwart_steps
from hearth.bootstrap.vault import Vault, VaultFacts
from hearth.bootstrap.vault.steps import vault_steps
from hearth.catalog.models import Catalog
from hearth.deploy.kube import connect as kube_connect

__all__ = ["Options", "Status", "StepResult", "bootstrap", "exit_status", "plan_steps", "vault_facts"]


@dataclass(frozen=True)
class Options:
    """Where the bootstrap reaches and what the operator supplies (paths only: secrets stay in files or env)."""

    vault_address: str | None = None
    vault_ca: Path | None = None
    keys_file: Path | None = None
    vault_token: str | None = None
    kubernetes_ca: Path | None = None
    endpoints: Mapping[str, str] = field(default_factory=dict)
    admin_dir: Path | None = None
    kubeconfig: Path | None = None


def vault_facts(catalog: Catalog) -> VaultFacts:
    """The init facts of the catalog's secrets provider (the component that provides ``secrets``)."""
    stating = [c for c in catalog.components.values() if c.secrets_init is not None]
    if len(stating) != 1:
        raise ValueError(f"exactly one component must state secrets_init, found {len(stating)}")
    init = stating[0].secrets_init
    assert init is not None
    return VaultFacts(init=init, platform=catalog.platform.name, domain=catalog.platform.domain)


def plan_steps(catalog: Catalog, files: Mapping[str, str], options: Options) -> list[Step]:
    """Every bootstrap step in dependency order, for this catalog and rendered build."""
    build = Build(files)
    server, _ = build.cluster_issuer()
    address = options.vault_address or os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR") or server
    token = options.vault_token if options.vault_token is not None else os.environ.get("VAULT_TOKEN")
    ca_file = options.vault_ca or os.environ.get("VAULT_CACERT") or os.environ.get("BAO_CACERT")
    vault_ca = Path(ca_file) if ca_file else None
    vault = Vault(address=address, keys_file=options.keys_file, token=token or None, ca=vault_ca)
    ca = options.kubernetes_ca.read_text() if options.kubernetes_ca is not None else None
    operator = Operator(vault, options.endpoints, options.admin_dir)
    databases = database_steps(vault, build, operator)
    keyvalue = keyvalue_steps(vault, build.provider_grants(), operator)
    queues = rabbitmq_steps(vault, build, operator)
    buckets = s3_steps(vault, build.provider_grants(), operator)
    stores = clickhouse_steps(vault, build.provider_grants(), operator)
    stores += mongodb_steps(vault, build.provider_grants(), operator)
    stores += stalwart_steps(vault, build, operator)
    clients = sso_steps(vault, build.sso_clients())
    deferred: set[str] = set()
    grants = [*databases, *keyvalue, *queues, *buckets, *stores]
    steps: list[Step] = [*vault_steps(vault, build, vault_facts(catalog), ca)]
    steps += [ProviderStep(s, provider_of(s.name), deferred) for s in grants]
    steps += clients
    if options.kubeconfig is not None:
        secrets = [n for n, c in catalog.components.items() if c.secrets_init is not None]
        applied = {provider_of(s.name) for s in [*grants, *clients]}
        kubeconfig = str(options.kubeconfig)

        def named() -> list[str]:  # asked when the marker step runs, after the providers' steps
            return [*secrets, *sorted(applied - deferred)]

        steps.append(marker_step(lambda: kube_connect(kubeconfig), named))
    return steps


PROVIDER_STEP_SUFFIXES = sorted(
    (
        "-databases",
        "-vault-connection",
        "-vault-roles",
        "-default-password",
        "-acl-users",
        "-vhosts",
        "-buckets",
        "-bucket-users",
        "-users",
        "-mailboxes",
        "-client-secrets",
    ),
    key=len,
    reverse=True,
)
"""What the provider steps' names end with, after ``<provider>``: the longest first (``-bucket-users`` before
``-users``)."""


def provider_of(step: str) -> str:
    """The provider a grants step belongs to: its name without the step's suffix."""
    return next((step.removesuffix(s) for s in PROVIDER_STEP_SUFFIXES if step.endswith(s)), step)


def bootstrap(
    catalog: Catalog,
    files: Mapping[str, str],
    options: Options,
    *,
    only: list[str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[StepResult]:
    """Plan the steps, keep those ``only`` names (all by default) and run them; the results in order."""
    steps = select(plan_steps(catalog, files, options), only)
    if progress is None:
        return run_steps(steps, dry_run=dry_run)
    return run_steps(steps, dry_run=dry_run, progress=progress)


def failed(results: list[StepResult]) -> bool:
    """Whether a step failed (the command's exit status 1)."""
    return any(r.status is Status.failed for r in results)


def exit_status(results: list[StepResult]) -> int:
    """The command's exit status: 2 when a step's server did not answer (as ``hearth apply`` exits on an
    unreachable cluster), 1 when a step failed otherwise, 0 when every step holds."""
    if any(r.status is Status.failed and r.unreachable for r in results):
        return 2
    return 1 if failed(results) else 0
