"""The checks of ``hearth doctor``, each a ``Finding``: prerequisites per stage, reachability (online only), and the
catalog's deprecations and Kubernetes version skew. Nothing here changes anything; the network is touched only
when the caller asks for it (``online``), and a check that cannot run says so with its reason.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from hearth.catalog.models import Catalog
from hearth.doctor.facts import DEPRECATIONS, Tool
from hearth.doctor.semver import satisfies, version_tuple

#: Verdicts: ok, warn (worth knowing), fail (blocks its stage), skipped (not checked, with why).
BLOCKING = "fail"


@dataclass(frozen=True)
class Finding:
    """One check: its stage (render, deploy, provision, bootstrap, online, catalog), what, verdict and detail."""

    stage: str
    check: str
    verdict: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """The finding as JSON-ready data."""
        return asdict(self)


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout + done.stderr


def tool_finding(tool: Tool) -> Finding:
    """Whether ``tool`` is on PATH at its minimum version (a missing or older one blocks its stage)."""
    path = shutil.which(tool.name)
    if path is None:
        return Finding(tool.stage, tool.name, BLOCKING, f"not on PATH (needs >= {tool.minimum}; {tool.source})")
    found = re.search(r"v?(\d+\.\d+\.\d+)", _run([path, *tool.version_args]))
    if found is None:
        return Finding(tool.stage, tool.name, "warn", f"{path}: version not reported")
    version = found.group(1)
    if version_tuple(version) < version_tuple(tool.minimum):
        return Finding(tool.stage, tool.name, BLOCKING, f"{version} at {path}; needs >= {tool.minimum} ({tool.source})")
    return Finding(tool.stage, tool.name, "ok", f"{version} at {path} (>= {tool.minimum})")


def kubeconfig_findings(kubeconfig: str | None, context: str | None) -> list[Finding]:
    """The kubeconfig deploy would use and its context (current, or the one asked for)."""
    path = Path(kubeconfig or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or Path.home() / ".kube/config")
    if not path.is_file():
        return [Finding("deploy", "kubeconfig", BLOCKING, f"{path}: no such file (--kubeconfig or KUBECONFIG)")]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [Finding("deploy", "kubeconfig", BLOCKING, f"{path}: not readable as YAML ({exc})")]
    names = [c.get("name") for c in data.get("contexts") or [] if isinstance(c, dict)]
    wanted = context or data.get("current-context")
    if not wanted:
        return [Finding("deploy", "kubeconfig context", BLOCKING, f"{path}: no current-context and no --context")]
    if wanted not in names:
        return [Finding("deploy", "kubeconfig context", BLOCKING, f"{path}: no context {wanted!r}")]
    return [Finding("deploy", "kubeconfig", "ok", f"{path}, context {wanted}")]


def _reach(url: str, timeout: float) -> str | None:
    """None when ``url`` answers over HTTP(S) (any status), else why not."""
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "hearth-doctor"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # it answered: a registry's /v2/ says 401 to an anonymous client
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))


def vault_finding(address: str | None, timeout: float = 5.0) -> Finding:
    """Whether the Vault address bootstrap would use answers a TCP connect (when one is given)."""
    address = address or os.environ.get("VAULT_ADDR")
    if not address:
        return Finding("bootstrap", "vault address", "skipped", "none given (--vault-addr or VAULT_ADDR)")
    parsed = urlparse(address)
    host, port = parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 8200)
    if not host:
        return Finding("bootstrap", "vault address", BLOCKING, f"{address}: not a URL like https://vault:8200")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return Finding("bootstrap", "vault address", BLOCKING, f"{host}:{port}: {exc.strerror or exc}")
    return Finding("bootstrap", "vault address", "ok", f"{host}:{port} accepts connections")


def _registries(catalog: Catalog) -> list[str]:
    hosts: set[str] = set()
    for component in catalog.components.values():
        images = [component.image, *(s.image for s in component.sidecars)]
        for image in images:
            if image is not None:
                first = image.repository.split("/")[0]
                hosts.add(first if "." in first or ":" in first else "docker.io")
    return sorted(hosts)


def _chart_repos(catalog: Catalog) -> list[str]:
    repos = {c.install.chart.repo for c in catalog.components.values() if c.install.chart is not None}
    return sorted(repos | {catalog.platform.provisioning.hostpath_chart.repo})


def online_findings(catalog: Catalog, online: bool, timeout: float = 8.0) -> list[Finding]:
    """Reachability of each chart repository and image registry the catalog names (skipped unless online)."""
    out: list[Finding] = []
    for repo in _chart_repos(catalog):
        if not online:
            out.append(Finding("online", f"chart repository {repo}", "skipped", "offline: pass --online to check"))
            continue
        url = (
            ("https://" + repo.removeprefix("oci://").split("/")[0] + "/v2/")
            if repo.startswith("oci://")
            else (repo.rstrip("/") + "/index.yaml")
        )
        why = _reach(url, timeout)
        out.append(Finding("online", f"chart repository {repo}", "ok" if why is None else BLOCKING, why or url))
    for host in _registries(catalog):
        registry = "registry-1.docker.io" if host == "docker.io" else host
        if not online:
            out.append(Finding("online", f"image registry {host}", "skipped", "offline: pass --online to check"))
            continue
        why = _reach(f"https://{registry}/v2/", timeout)
        out.append(Finding("online", f"image registry {host}", "ok" if why is None else BLOCKING, why or registry))
    return out


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _uses(catalog: Catalog) -> Iterator[tuple[str, str, str]]:
    """Every (kind, value, where) of the catalog a deprecation can match: images, charts, claimed tools."""
    for name, c in sorted(catalog.components.items()):
        for image in [c.image, *(s.image for s in c.sidecars)]:
            if image is not None:
                yield "image", image.repository, f"{name}: image {image.repository}:{image.tag}"
        if c.install.chart is not None:
            chart = c.install.chart
            yield "chart", chart.repo, f"{name}: chart {chart.repo} {chart.name} {chart.version}"
        for text in _strings(c.install.values):
            yield "image", text.split(":")[0], f"{name}: chart value {text}"
    for tool in catalog.claims.stated_tools:
        yield "tool", tool.value, f"claims.yaml: {tool.claim}"


def deprecation_findings(catalog: Catalog) -> list[Finding]:
    """Each use in the catalog of an end-of-life or unmaintained upstream (facts.DEPRECATIONS), with its source."""
    out: list[Finding] = []
    for kind, value, where in _uses(catalog):
        for fact in DEPRECATIONS:
            patterns = {"image": fact.images, "chart": fact.charts, "tool": fact.tools}[kind]
            if any(fnmatch.fnmatch(value.lower(), p) for p in patterns):
                detail = f"{where}: {fact.status}; {fact.advice} (source: {fact.source})"
                out.append(Finding("catalog", f"deprecated: {fact.what}", "warn", detail))
    return out


def _show_chart(repo: str, name: str, version: str) -> dict[str, Any] | None:
    helm = shutil.which("helm")
    if helm is None:
        return None
    argv = [helm, "show", "chart", f"{repo.rstrip('/')}/{name}" if repo.startswith("oci://") else name]
    argv += ["--version", version] + ([] if repo.startswith("oci://") else ["--repo", repo])
    try:
        data = yaml.safe_load(_run(argv))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def skew_findings(catalog: Catalog, chart_yamls: dict[str, str], online: bool) -> list[Finding]:
    """Each chart's ``kubeVersion`` against the catalog's ``kubernetes_version``: hearth's charts from the render,
    upstream charts from their repository (online only)."""
    cluster = catalog.platform.kubernetes_version
    out: list[Finding] = []

    def judge(label: str, constraint: str | None) -> None:
        if not constraint:
            out.append(Finding("catalog", f"kubeVersion {label}", "ok", "declares no kubeVersion"))
            return
        fits = satisfies(cluster, constraint)
        verdict = "ok" if fits else BLOCKING
        out.append(Finding("catalog", f"kubeVersion {label}", verdict, f"{constraint!r} vs cluster {cluster}"))

    declared: dict[str, list[str]] = {}
    for path, text in sorted(chart_yamls.items()):
        declared.setdefault(str((yaml.safe_load(text) or {}).get("kubeVersion") or ""), []).append(path)
    for constraint, paths in sorted(declared.items()):
        judge(paths[0] if len(paths) == 1 else f"of {len(paths)} rendered charts", constraint or None)
    for name, c in sorted(catalog.components.items()):
        chart = c.install.chart
        if chart is None:
            continue
        label = f"{chart.name} {chart.version} ({name})"
        if not online:
            out.append(Finding("catalog", f"kubeVersion {label}", "skipped", "offline: the chart is not fetched"))
            continue
        data = _show_chart(chart.repo, chart.name, chart.version)
        if data is None:
            out.append(Finding("catalog", f"kubeVersion {label}", "skipped", "helm show chart failed or no helm"))
            continue
        judge(label, data.get("kubeVersion"))
    return out


def freshness_findings(catalog: Catalog) -> list[Finding]:
    """Pinned versions against the newest the catalog's sources name: checked only where a source is a version
    feed; the catalog's ``sources`` are documentation URLs, so each pin is listed as not checked with why."""
    pins = sum(1 for c in catalog.components.values() if c.image is not None or c.install.chart is not None)
    return [
        Finding(
            "catalog",
            "newest versions",
            "skipped",
            f"{pins} pinned images/charts not checked: the catalog states no version feed for them "
            "(its sources are documentation URLs)",
        )
    ]
