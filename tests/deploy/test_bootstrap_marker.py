"""``hearth bootstrap``'s last step writes the marker ConfigMap the deploy engine's BootstrapMarker gate waits on,
through the official client against the fake API server; the gate then passes for the providers named."""

from __future__ import annotations

from deploykit import Cluster

from hearth.bootstrap.marker import marker_step
from hearth.bootstrap.model import Change, FuncStep, ProviderStep, StepError, Unreachable
from hearth.bootstrap.runner import run_steps
from hearth.deploy.gates import BOOTSTRAP_MARKER, HEARTH_NAMESPACE, BootstrapMarker, GateContext
from hearth.deploy.releases import Release


def _providers(cluster: Cluster) -> list[str]:
    marker = cluster.kube().get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE)
    assert marker is not None
    return str(marker["data"]["providers"]).split()


def test_marker_is_created_then_unchanged_then_merged(cluster: Cluster) -> None:
    first = run_steps([marker_step(cluster.kube, ["vault", "postgresql"])])
    assert [str(r.status) for r in first] == ["created"], first
    assert _providers(cluster) == ["postgresql", "vault"]
    again = run_steps([marker_step(cluster.kube, ["postgresql", "vault"])])
    assert [str(r.status) for r in again] == ["unchanged"]
    merged = run_steps([marker_step(cluster.kube, ["valkey"])])
    assert [str(r.status) for r in merged] == ["created"]
    assert _providers(cluster) == ["postgresql", "valkey", "vault"]


def test_the_deploy_gate_passes_once_the_marker_names_the_provider(cluster: Cluster) -> None:
    ctx = GateContext(cluster.kube(), None, Release.__new__(Release))  # type: ignore[arg-type]
    assert not BootstrapMarker("vault").check(ctx).passed
    run_steps([marker_step(cluster.kube, ["vault"])])
    assert BootstrapMarker("vault").check(ctx).passed
    assert not BootstrapMarker("valkey").check(ctx).passed


def test_a_dry_run_plans_the_marker_and_writes_nothing(cluster: Cluster) -> None:
    planned = run_steps([marker_step(cluster.kube, ["vault"])], dry_run=True)
    assert [str(r.status) for r in planned] == ["planned"] and "add vault" in planned[0].changes[0]
    assert cluster.kube().get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE) is None


def _step(name: str, log: list[str], error: StepError | None = None) -> FuncStep:
    def read() -> list[Change]:
        log.append(name)
        if error is not None:
            raise error
        return []

    return FuncStep(name, name, read)


def test_a_provider_not_yet_deployed_defers_only_itself_and_is_left_out_of_the_marker(cluster: Cluster) -> None:
    """Day one: bootstrap runs once Vault is up, before the providers exist. A provider whose server does not
    answer is deferred: its later steps are not tried, the other providers' steps run, and the marker names Vault
    and the providers that are done, so hearth apply can deploy the rest; a second run finishes the deferred one."""
    tried: list[str] = []
    deferred: set[str] = set()
    down = Unreachable("cannot reach postgresql.db.svc:5432: ConnectionRefusedError")
    steps = [
        _step("vault-init", tried),
        ProviderStep(_step("postgresql-databases", tried, down), "postgresql", deferred),
        ProviderStep(_step("postgresql-vault-connection", tried), "postgresql", deferred),
        ProviderStep(_step("valkey-acl-users", tried), "valkey", deferred),
        marker_step(cluster.kube, lambda: ["vault", *sorted({"postgresql", "valkey"} - deferred)]),
    ]
    results = {r.name: r for r in run_steps(steps)}
    assert tried == ["vault-init", "postgresql-databases", "valkey-acl-users"]
    assert results["postgresql-databases"].unreachable and results["postgresql-vault-connection"].unreachable
    assert "did not answer an earlier step" in results["postgresql-vault-connection"].error
    assert str(results["valkey-acl-users"].status) == "unchanged"
    assert str(results["bootstrap-marker"].status) == "created"
    assert _providers(cluster) == ["valkey", "vault"]


def test_any_other_failure_still_stops_the_run(cluster: Cluster) -> None:
    tried: list[str] = []
    steps = [
        ProviderStep(_step("postgresql-databases", tried, StepError("permission denied")), "postgresql", set()),
        ProviderStep(_step("valkey-acl-users", tried), "valkey", set()),
        marker_step(cluster.kube, ["vault"]),
    ]
    assert [str(r.status) for r in run_steps(steps)] == ["failed", "skipped", "skipped"]
    assert tried == ["postgresql-databases"]
