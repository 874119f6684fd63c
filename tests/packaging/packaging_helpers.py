"""Shared by the packaging tests: the seed build type, the Helm flags, and running a real tool."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hearth.catalog.models import Catalog
from hearth.render.model import RenderedPlatform
from hearth.resolve.records import Resolved

#: ``--api-versions`` for the custom resources the charts carry; the real CRDs are installed by their charts.
API_VERSIONS = ("monitoring.coreos.com/v1", "cert-manager.io/v1", "traefik.io/v1alpha1", "velero.io/v1")
KUBE_VERSION = "1.28.0"


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """One YAML document, parsed with libyaml when PyYAML has it (the suite parses thousands of documents)."""
    return yaml.load(text, Loader=_Loader)


def load_docs(text: str) -> list[dict[str, Any]]:
    """The non-empty documents of a YAML stream."""
    return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]


def helm_capabilities() -> list[str]:
    """``--kube-version 1.28.0`` and one ``--api-versions`` per custom resource group the charts use."""
    args = ["--kube-version", KUBE_VERSION]
    for api in API_VERSIONS:
        args += ["--api-versions", api]
    return args


@dataclass(frozen=True)
class SeedBuild:
    """The seed platform, resolved, rendered, packaged and written to ``out``."""

    catalog: Catalog
    resolved: Resolved
    rendered: RenderedPlatform
    files: dict[str, str]
    out: Path

    def chart_dirs(self) -> dict[str, Path]:
        """Each generated chart directory by chart name."""
        return {c.name: self.out / "charts" / c.name for c in self.rendered.charts.values()}


def run_tool_streams(
    args: Sequence[str], env: dict[str, str], cwd: Path | None = None, timeout: int = 120
) -> tuple[str, str]:
    """Run a tool; fail the test with its output unless it exits 0. Returns (stdout, stderr)."""
    proc = subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout, proc.stderr


def run_tool(args: Sequence[str], env: dict[str, str], cwd: Path | None = None, timeout: int = 120) -> str:
    """Run a tool; fail the test with its output unless it exits 0. Returns stdout."""
    return run_tool_streams(args, env, cwd, timeout)[0]
