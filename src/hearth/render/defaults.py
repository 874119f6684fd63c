"""The platform's secure defaults, in one place: every renderer takes them from here.

A component's catalog file states only where it departs from these (``security.exceptions``), and the
departure is granted exactly, with its reason written next to it as an annotation.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component, Health, SecurityException
from hearth.contract import EXCEPTION_PREFIX
from hearth.render.model import ChartRender, Manifest

CHART_VERSION = "0.1.0"

SECCOMP = {"type": "RuntimeDefault"}


def _has(exceptions: list[SecurityException], kind: str, container: str | None = None) -> list[SecurityException]:
    """Exceptions of ``kind`` that apply to ``container`` (pod-wide ones apply to all; None: pod-wide only)."""
    return [e for e in exceptions if e.kind == kind and e.container in (None, container)]


def restricted_container() -> dict[str, Any]:
    """The restricted container securityContext every container starts from (Pod Security "restricted")."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": dict(SECCOMP),
    }


def restricted_pod(uid: int, gid: int | None = None, fs_group: int | None = None) -> dict[str, Any]:
    """A non-root pod securityContext for pods hearth adds around components (Helm tests, dump jobs)."""
    ctx: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": uid}
    if gid is not None:
        ctx["runAsGroup"] = gid
    if fs_group is not None:
        ctx["fsGroup"] = fs_group
    ctx["seccompProfile"] = dict(SECCOMP)
    return ctx


def pod_security_context(component: Component) -> dict[str, Any]:
    """Pod-level securityContext: non-root unless a pod-wide exception says otherwise, RuntimeDefault seccomp."""
    sec = component.security
    root = bool(_has(sec.exceptions, "run-as-root"))
    ctx: dict[str, Any] = {"runAsNonRoot": not root, "runAsUser": sec.run_as_user, "seccompProfile": SECCOMP}
    if sec.run_as_group is not None:
        ctx["runAsGroup"] = sec.run_as_group
    if sec.fs_group is not None:
        ctx["fsGroup"] = sec.fs_group
        ctx["fsGroupChangePolicy"] = "OnRootMismatch"
    if sec.sysctls:
        ctx["sysctls"] = [{"name": k, "value": v} for k, v in sorted(sec.sysctls.items())]
    return ctx


def container_security_context(component: Component, container: str) -> dict[str, Any]:
    """Container-level securityContext: no escalation, all capabilities dropped, read-only root filesystem.

    Stated exceptions that apply to ``container`` (pod-wide, or naming it) add exactly the named capability, a
    writable root, privileged mode, or root for this container alone.
    """
    sec = component.security
    added = sorted({e.value for e in _has(sec.exceptions, "capability", container) if e.value})
    privileged = bool(_has(sec.exceptions, "privileged", container))
    ctx = restricted_container()
    ctx["allowPrivilegeEscalation"] = privileged
    ctx["readOnlyRootFilesystem"] = not _has(sec.exceptions, "writable-root-filesystem", container)
    if added:
        ctx["capabilities"]["add"] = added
    if privileged:
        ctx["privileged"] = True
    if any(e.container == container for e in _has(sec.exceptions, "run-as-root", container)):
        ctx.update({"runAsNonRoot": False, "runAsUser": 0})
    return ctx


def exception_annotations(component: Component) -> dict[str, str]:
    """Each stated security exception as an annotation, so the reason travels with the workload.

    The key is ``hearth.dev/exception-<kind>[-<value>]``, with ``.<container>`` when it applies to one container.
    """
    out: dict[str, str] = {}
    for exc in component.security.exceptions:
        key = f"{EXCEPTION_PREFIX}{exc.kind}" + (f"-{exc.value.lower()}" if exc.value else "")
        key += f".{exc.container}" if exc.container else ""
        out[key[:253]] = exc.reason
    return out


def probes(health: Health | None, startup_seconds: int) -> dict[str, Any]:
    """Liveness, readiness and startup probes from a health check: the component's, or a sidecar's own.

    The startup probe allows twice the expected start-up time before liveness applies, so slow first starts
    (migrations) are not killed.
    """
    if health is None:
        return {}
    if health.kind == "http":
        handler: dict[str, Any] = {"httpGet": {"path": health.path, "port": health.port, "scheme": health.scheme}}
    elif health.kind == "tcp":
        handler = {"tcpSocket": {"port": health.port}}
    else:
        handler = {"exec": {"command": list(health.command)}}
    period = 10
    attempts = max(3, -(-2 * startup_seconds // period))
    return {
        "startupProbe": {**handler, "periodSeconds": period, "failureThreshold": attempts, "timeoutSeconds": 5},
        "livenessProbe": {**handler, "periodSeconds": 20, "failureThreshold": 3, "timeoutSeconds": 5},
        "readinessProbe": {**handler, "periodSeconds": 10, "failureThreshold": 3, "timeoutSeconds": 5},
    }


def metadata(
    name: str, namespace: str | None, labels: dict[str, str], annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    """Object metadata with sorted, copied labels (so objects never share mutable dicts)."""
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = dict(sorted(labels.items()))
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    return meta


def early_chart(component: Component, name: str, holds: str, manifests: list[Manifest]) -> ChartRender:
    """A chart of ``component`` its own release waits for (``RenderedPlatform.bootstrap``), holding ``holds``."""
    return ChartRender(
        name=name,
        component=component.name,
        namespace=component.namespace,
        version=CHART_VERSION,
        app_version=CHART_VERSION,
        description=f"{component.display_name}: {holds}",
        manifests=manifests,
    )
