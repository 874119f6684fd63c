"""hearth apply, diff, status and destroy as a user runs them, against the fake API and the fake helm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import pytest
from deploykit import Cluster, deployment

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.provision.render import component_tasks
from hearth.resolve import resolve
from tools import RunHearth

PLATFORM = Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "provider-consumer"
RELEASES = ["auth/idp", "db/postgres", "apps/notes"]


def pvc(name: str) -> dict[str, Any]:
    """A PersistentVolumeClaim as a chart installs it."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": {}}


def scenario(notes_replicas: int = 1) -> dict[str, Any]:
    """Each release installs a ready Deployment; postgres a claim too; notes renders ``notes_replicas`` now."""
    plan: dict[str, Any] = {k: {"objects": [deployment(k.split("/")[1])]} for k in RELEASES}
    plan["db/postgres"]["objects"].append(pvc("postgres-data"))
    plan["apps/notes"]["template"] = [deployment("notes", replicas=notes_replicas)]
    return plan


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The provider-consumer platform, rendered once."""
    out = tmp_path_factory.mktemp("pc") / "build"
    render(load_catalog(PLATFORM), out)
    return out


def run(hearth: RunHearth, cluster: Cluster, build: Path, *args: str) -> Any:
    common = ["--platform", str(PLATFORM), "--build", str(build), "--kubeconfig", str(cluster.kubeconfig)]
    return hearth(*args, *common)


def test_apply_then_diff_status_and_destroy(hearth: RunHearth, cluster: Cluster, build: Path) -> None:
    cluster.script(scenario())
    applied = run(hearth, cluster, build, "apply", "--poll", "0.05", "--timeout", "10")
    assert applied.exit_code == 0, applied.output
    assert "apply: 3 done" in applied.output
    assert cluster.installs().index("db/postgres") < cluster.installs().index("apps/notes")

    again = run(hearth, cluster, build, "apply", "--poll", "0.05")
    assert again.exit_code == 0 and "apply: 3 skipped" in again.output, again.output
    assert len(cluster.installs()) == 3
    # The Ansible infrastructure role's `changed_when`, evaluated as Ansible does (Jinja2), on both outputs.
    changed_when = jinja2.Environment().compile_expression(
        component_tasks(resolve(load_catalog(PLATFORM)))[0]["changed_when"]
    )
    assert changed_when(infrastructure_apply={"stdout": applied.output}) is True
    assert changed_when(infrastructure_apply={"stdout": again.output}) is False

    same = run(hearth, cluster, build, "diff")
    assert same.exit_code == 0, same.output
    assert "diff: 0 of 3 releases would change" in same.output

    cluster.script(scenario(notes_replicas=3))
    changed = run(hearth, cluster, build, "diff")
    assert changed.exit_code == 1, changed.output
    assert "~ Deployment/notes: spec.replicas" in changed.output

    status = run(hearth, cluster, build, "status", "--output", "json")
    assert status.exit_code == 0, status.output
    rows = {r["release"]: r for r in json.loads(status.output)}
    assert {k: (r["helm"], r["journal"], r["health"]) for k, r in rows.items()} == {
        k: ("deployed", "current", "ready") for k in RELEASES
    }

    gone = run(hearth, cluster, build, "destroy", "--yes")
    assert gone.exit_code == 0, gone.output
    uninstalls = [c["release"] for c in cluster.calls("uninstall")]
    assert uninstalls.index("apps/notes") < uninstalls.index("db/postgres"), "a need went before its dependant"
    assert cluster.fake.get("v1", "PersistentVolumeClaim", "postgres-data", "db") is not None, "the data went too"
    assert cluster.fake.get("apps/v1", "Deployment", "postgres", "db") is None
    assert "keeping PersistentVolumeClaim db/postgres-data" in gone.output


def test_destroy_with_delete_data_deletes_the_claims(hearth: RunHearth, cluster: Cluster, build: Path) -> None:
    cluster.script(scenario())
    assert run(hearth, cluster, build, "apply", "--poll", "0.05").exit_code == 0
    gone = run(hearth, cluster, build, "destroy", "--tags", "postgres", "--delete-data", "--yes")
    assert gone.exit_code == 0, gone.output
    assert [c["release"] for c in cluster.calls("uninstall")] == ["apps/notes", "db/postgres"]
    assert cluster.fake.get("v1", "PersistentVolumeClaim", "postgres-data", "db") is None


def test_destroy_asks_first(hearth: RunHearth, cluster: Cluster, build: Path) -> None:
    cluster.script(scenario())
    refused = run(hearth, cluster, build, "destroy")
    assert refused.exit_code != 0
    assert cluster.calls("uninstall") == []


@pytest.mark.parametrize("command", ["apply", "diff", "status", "destroy"])
def test_a_cluster_that_is_not_there_is_one_line_and_exit_2(
    hearth: RunHearth, build: Path, tmp_path: Path, command: str
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "clusters: [{name: x, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n"
    )
    result = hearth(command, "--platform", str(PLATFORM), "--build", str(build), "--kubeconfig", str(kubeconfig))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: cannot reach the Kubernetes API at https://127.0.0.1:9: MaxRetryError"
    ]
