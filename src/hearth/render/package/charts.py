"""The rendered charts as files: ``charts/<chart>/`` (Chart.yaml, values.yaml, one template per object) and the
chart's ``manifests/<chart>.yaml``.

The charts are *literal*: each template is one rendered object, with Helm's ``{{``/``}}`` escaped so that
``helm template`` prints the object back byte for byte. ``manifests/<component>.yaml`` is what ``helm template``
prints for the component's chart, minus Helm's ``# Source:`` comments: same objects, same order (Helm sorts by
template path, then by kind in its install order, and prints hooks such as tests last).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hearth import parsememo
from hearth.render.model import ChartRender, Manifest
from hearth.render.package.write import dump_yaml

KUBE_VERSION_CONSTRAINT = ">=1.28.0-0"


HOOK_ANNOTATION = "helm.sh/hook"


# Helm 3.16 releaseutil.InstallOrder: `helm template` prints objects of these kinds in this order, then every
# other kind alphabetically; objects of one kind keep the order of their template paths.
INSTALL_ORDER: tuple[str, ...] = (
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)


_RANK = {kind: index for index, kind in enumerate(INSTALL_ORDER)}


VALUES_TEXT = "# This chart is literal: its templates are the rendered manifests. There is nothing to set.\n"


_BRACE_RUN = re.compile(r"[{}]*(?:\{\{|\}\})[{}]*")


UNSAFE_FILE_CHARS = re.compile(r"[^a-z0-9.-]+")


def escape_helm(text: str) -> str:
    """Escape Go-template delimiters so Helm renders ``text`` back unchanged.

    Each maximal run of braces that holds ``{{`` or ``}}`` becomes one action printing that run as a string:
    ``{{`` -> ``{{ "{{" }}``, ``}}`` -> ``{{ "}}" }}``, ``{}}`` -> ``{{ "{}}" }}``. Taking the whole run matters: a
    lone ``{`` left just before an inserted ``{{`` would open the action one character early. A run of braces
    needs no escaping inside a Go string literal, and runs without a doubled brace (``{}``) stay as they are.
    """
    if "{{" not in text and "}}" not in text:  # nothing to escape (most objects): the regex would scan every brace
        return text
    return _BRACE_RUN.sub(lambda match: f'{{{{ "{match.group(0)}" }}}}', text)


def is_hook(manifest: Manifest) -> bool:
    """True for an object Helm treats as a hook (``helm.sh/hook`` annotation), such as a test pod."""
    annotations = (manifest.get("metadata") or {}).get("annotations") or {}
    return HOOK_ANNOTATION in annotations


def _file_stem(manifest: Manifest, qualified: bool) -> str:
    meta = manifest.get("metadata") or {}
    parts = [str(manifest.get("kind", "object")), str(meta.get("name", "unnamed"))]
    if qualified:
        parts.insert(1, str(meta.get("namespace", "cluster")))
    return UNSAFE_FILE_CHARS.sub("-", "-".join(parts).lower()).strip("-") or "object"


def _template_paths(manifests: list[Manifest], directory: str) -> list[str]:
    """One file per object, ``<kind>-<name>.yaml``; ``<kind>-<namespace>-<name>.yaml`` where names repeat."""
    plain = [_file_stem(m, qualified=False) for m in manifests]
    stems = [_file_stem(m, qualified=True) if plain.count(s) > 1 else s for m, s in zip(manifests, plain, strict=True)]
    paths: list[str] = []
    for stem in stems:
        path, index = f"{directory}/{stem}.yaml", 1
        while path in paths:  # the same kind, namespace and name twice: number the later ones
            index += 1
            path = f"{directory}/{stem}-{index}.yaml"
        paths.append(path)
    return paths


def chart_templates(chart: ChartRender) -> dict[str, Manifest]:
    """The chart's templates as {path inside the chart: object}: ``templates/`` and ``templates/tests/``."""
    out = dict(zip(_template_paths(chart.manifests, "templates"), chart.manifests, strict=True))
    out.update(zip(_template_paths(chart.tests, "templates/tests"), chart.tests, strict=True))
    return out


def _kind_key(manifest: Manifest) -> tuple[int, str]:
    kind = str(manifest.get("kind", ""))
    rank = _RANK.get(kind)
    return (rank, "") if rank is not None else (len(INSTALL_ORDER), kind)


def helm_order_paths(templates: dict[str, Manifest]) -> list[str]:
    """Template paths in the order ``helm template`` prints their objects: by path, stably by kind, hooks last."""
    paths = sorted(templates)
    generic = sorted((p for p in paths if not is_hook(templates[p])), key=lambda p: _kind_key(templates[p]))
    hooks = sorted((p for p in paths if is_hook(templates[p])), key=lambda p: _kind_key(templates[p]))
    return generic + hooks


def helm_order(templates: dict[str, Manifest]) -> list[Manifest]:
    """The objects in the order ``helm template`` prints them (see ``helm_order_paths``)."""
    return [templates[path] for path in helm_order_paths(templates)]


def chart_yaml(chart: ChartRender) -> dict[str, Any]:
    """The ``Chart.yaml`` of a literal chart."""
    return {
        "apiVersion": "v2",
        "name": chart.name,
        "version": chart.version,
        "appVersion": chart.app_version,
        "description": chart.description or chart.name,
        "type": "application",
        "kubeVersion": KUBE_VERSION_CONSTRAINT,
    }


def package_chart(chart: ChartRender) -> tuple[dict[str, str], str]:
    """The chart's files under ``charts/<chart name>/``, and its ``manifests/`` text; each object dumped once."""
    templates = chart_templates(chart)
    texts = {path: dump_yaml(manifest) for path, manifest in templates.items()}
    root = f"charts/{chart.name}"
    files = {f"{root}/Chart.yaml": dump_yaml(chart_yaml(chart)), f"{root}/values.yaml": VALUES_TEXT}
    files.update((f"{root}/{path}", escape_helm(text)) for path, text in texts.items())
    ordered = helm_order_paths(templates)
    manifests = stream([(templates[path], texts[path]) for path in ordered])
    return files, manifests


def stream(documents: Sequence[tuple[Any, str]], header: str = "") -> str:
    """``header``, then each document's text after a ``---`` line; given (document, its ``dump_yaml`` text).

    The parse memo (``hearth.parsememo``, while recording) learns that the text parses to these documents, each
    starting on the line after its ``---``."""
    text = header + "".join(f"---\n{dumped}" for _, dumped in documents)
    line, lines = header.count("\n") + 2, []
    for _, dumped in documents:
        lines.append(line)
        line += dumped.count("\n") + 1
    parsememo.remember(text, zip(lines, (document for document, _ in documents), strict=True))
    return text


def chart_files(chart: ChartRender) -> dict[str, str]:
    """Every file of one chart, under ``charts/<chart name>/``."""
    return package_chart(chart)[0]


def chart_manifests(chart: ChartRender) -> str:
    """``manifests/<component>.yaml``: what ``helm template`` prints for the chart, without ``# Source:`` lines."""
    return package_chart(chart)[1]
