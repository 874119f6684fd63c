"""Helm, through its binary: install or upgrade, status, manifests, templates, tests and uninstall.

Only the chart, values files and names reach helm's argv; secrets never do (they live in Vault). Each call is a
subprocess; a non-zero exit is a ``HelmError`` carrying helm's own last line of stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

import yaml

from hearth.deploy.releases import Build, Release


class HelmError(Exception):
    """helm exited non-zero; the message is its last line of stderr."""


@dataclass(frozen=True)
class HelmStatus:
    """A release as helm records it: its revision and state (deployed, failed, pending-install...)."""

    revision: int
    state: str


class Helm:
    """Runs ``helm`` (the first on PATH, or ``binary``) against the kube context the engine uses."""

    def __init__(
        self, build: Build, binary: str = "helm", kubeconfig: str | None = None, context: str | None = None
    ) -> None:
        self.build = build
        self.binary = binary
        self.global_args: list[str] = []
        if kubeconfig:
            self.global_args += ["--kubeconfig", kubeconfig]
        if context:
            self.global_args += ["--kube-context", context]

    def _run(self, args: list[str], timeout: float | None = None) -> str:
        try:
            done = subprocess.run(
                [self.binary, *args, *self.global_args],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=os.environ.copy(),
                check=False,
            )
        except FileNotFoundError as exc:
            raise HelmError(f"{self.binary}: not found on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            raise HelmError(f"helm {args[0]} timed out after {timeout}s") from exc
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise HelmError(lines[-1] if lines else f"helm {args[0]} exited {done.returncode}")
        return done.stdout

    def _chart_args(self, release: Release) -> list[str]:
        """The chart reference and the values files of a release, as ``helm install``/``template`` take them."""
        args = [self.build.chart_path(release)]
        url = self.build.repository_url(release)
        if url is not None:
            chart_name = release.chart.split("/", 1)[1]
            if self.build.oci(release):
                args = [f"oci://{url.removeprefix('oci://').rstrip('/')}/{chart_name}"]
            else:
                args = [chart_name, "--repo", url]
        if release.version:
            args += ["--version", release.version]
        for values in release.values:
            args += ["--values", str(self.build.root / values)]
        return args

    def upgrade_install(self, release: Release, skip_crds: bool = False) -> None:
        """``helm upgrade --install`` the release into its namespace (created when missing)."""
        args = ["upgrade", "--install", release.name, *self._chart_args(release), "--namespace", release.namespace]
        args += ["--create-namespace", *(["--skip-crds"] if skip_crds else [])]
        self._run(args)

    def status(self, release: Release) -> HelmStatus | None:
        """The release's current revision and state, None when helm has no such release."""
        try:
            out = self._run(["status", release.name, "--namespace", release.namespace, "--output", "json"])
        except HelmError as exc:
            if "not found" in str(exc):
                return None
            raise
        data = json.loads(out)
        return HelmStatus(int(data.get("version", 0)), str((data.get("info") or {}).get("status", "unknown")))

    def manifest(self, release: Release) -> list[dict[str, Any]]:
        """The objects helm installed for the release (``helm get manifest``)."""
        out = self._run(["get", "manifest", release.name, "--namespace", release.namespace])
        return _documents(out)

    def template(self, release: Release, include_crds: bool = False) -> list[dict[str, Any]]:
        """The objects the release would install now (``helm template``), CRDs too when asked."""
        args = ["template", release.name, *self._chart_args(release), "--namespace", release.namespace]
        return _documents(self._run([*args, *(["--include-crds"] if include_crds else [])]))

    def test(self, release: Release) -> None:
        """Run the release's Helm tests (``helm test``); raises HelmError when one fails."""
        self._run(["test", release.name, "--namespace", release.namespace])

    def uninstall(self, release: Release) -> None:
        """``helm uninstall`` the release (waiting for its objects to go)."""
        self._run(["uninstall", release.name, "--namespace", release.namespace, "--wait"])


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and d.get("kind")]
