"""Helpers of the deploy tests: the fake cluster handle, small builds, objects as charts install them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fakehelm
import yaml
from fakekube import FakeKube

from hearth.deploy.engine import Engine, Event, Options, Outcome
from hearth.deploy.gates import ReleaseGates
from hearth.deploy.helm import Helm
from hearth.deploy.kube import Kube, connect
from hearth.deploy.releases import Build, load_build


@dataclass
class Cluster:
    """The fake API, a client on it, and the fake helm's state directory."""

    fake: FakeKube
    kubeconfig: Path
    state: Path

    def kube(self) -> Kube:
        """A fresh client, as a new ``hearth`` process would make."""
        return connect(str(self.kubeconfig))

    def script(self, scenario: dict[str, Any]) -> None:
        """What the fake helm does per release (``namespace/name``)."""
        (self.state / "scenario.json").write_text(json.dumps(scenario))

    def calls(self, command: str | None = None) -> list[dict[str, Any]]:
        """Recorded helm calls (of one command)."""
        return [c for c in fakehelm.calls(self.state) if command is None or c["cmd"] == command]

    def installs(self) -> list[str]:
        """Releases helm was asked to install or upgrade, in order of their end."""
        return [c["release"] for c in self.calls("upgrade")]


def write_build(root: Path, releases: dict[str, list[str]]) -> Build:
    """A build of local charts: release ``ns/name`` -> the releases it needs (helmfile order as given)."""
    entries = []
    for key, needs in releases.items():
        namespace, name = key.split("/")
        chart = root / "charts" / name
        (chart / "templates").mkdir(parents=True, exist_ok=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        entry: dict[str, Any] = {"name": name, "namespace": namespace, "chart": f"./charts/{name}"}
        if needs:
            entry["needs"] = needs
        entry["labels"] = {"tier": "base", "component": name, "namespace": namespace}
        entries.append(entry)
    (root / "helmfile.yaml").write_text(yaml.safe_dump({"releases": entries}, sort_keys=False))
    return load_build(root)


def deployment(name: str, ready: bool = True, replicas: int = 1) -> dict[str, Any]:
    """A Deployment as helm installs it; ``ready``: as its controller reports it once rolled out."""
    status = {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas}
    status["availableReplicas"] = replicas if ready else 0
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}},
        "status": status,
    }


def run_engine(
    cluster: Cluster,
    build: Build,
    gates: dict[str, ReleaseGates] | None = None,
    keys: list[str] | None = None,
    events: list[Event] | None = None,
    **options: Any,
) -> Outcome:
    """Apply ``keys`` (default: all) of ``build`` with a fresh client, polling fast."""
    kube = cluster.kube()
    settings = {"concurrency": 4, "poll": 0.02, "timeout": 10.0, **options}
    hook = settings.pop("step_hook", None)
    extra = {"step_hook": hook} if hook else {}
    sink = events if events is not None else []
    engine = Engine(build, kube, Helm(build), gates or {}, None, sink.append, Options(**settings), **extra)
    return engine.apply(keys or list(build.releases))


def crd(group: str, established: bool = True) -> dict[str, Any]:
    """A CRD of one kind in ``group``, Established or not."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True}],
        },
        "status": {"conditions": [{"type": "Established", "status": "True" if established else "False"}]},
    }
