"""``diff``, ``status`` and ``destroy``: what apply would change, what the cluster reports, and taking it down.

``diff`` renders each release with ``helm template`` and asks the API server what applying each object would
make of it (server-side apply, dry run) against the live object. ``destroy`` goes in reverse graph order and
keeps PersistentVolumeClaims unless told to delete data: Helm leaves an object annotated
``helm.sh/resource-policy: keep`` in place on uninstall (helm.sh/docs/howto/charts_tips_and_tricks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hearth.deploy.gates import GateContext, RolledOut
from hearth.deploy.helm import Helm, HelmError
from hearth.deploy.journal import Journal
from hearth.deploy.kube import Kube, Obj
from hearth.deploy.releases import Build, Release
from hearth.deploy.schedule import topological

VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")


def _normal(obj: Obj) -> Obj:
    """An object without what the server alone decides (status, resourceVersion, managedFields...)."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in VOLATILE_METADATA}
    annotations = {
        k: v for k, v in (meta.get("annotations") or {}).items() if not k.startswith("deployment.kubernetes")
    }
    meta["annotations"] = annotations or None
    out["metadata"] = {k: v for k, v in meta.items() if v is not None}
    return out


def changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two objects differ (lists compared whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            out += changed_paths(before.get(key), after.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if before == after else [prefix or "."]


def _name(obj: Obj) -> str:
    return f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"


def diff_release(kube: Kube, helm: Helm, release: Release) -> list[str]:
    """What applying the release would change: ``+ Kind/name`` new, ``~ Kind/name: paths`` changed, ``-`` removed."""
    rendered = helm.template(release)
    changes: list[str] = []
    seen: set[tuple[str, str]] = set()
    for obj in rendered:
        meta = obj.get("metadata") or {}
        seen.add((str(obj.get("kind")), str(meta.get("name"))))
        namespace = meta.get("namespace") or release.namespace
        if not kube.knows(str(obj["apiVersion"]), str(obj["kind"])):
            changes.append(f"+ {_name(obj)} (its kind is not served yet)")
            continue
        live = kube.get(str(obj["apiVersion"]), str(obj["kind"]), str(meta["name"]), namespace)
        if live is None:
            changes.append(f"+ {_name(obj)}")
            continue
        applied = kube.apply(obj, namespace, dry_run=True)
        paths = changed_paths(_normal(live), _normal(applied))
        if paths:
            changes.append(f"~ {_name(obj)}: " + ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else ""))
    if helm.status(release) is not None:
        for obj in helm.manifest(release):
            if (str(obj.get("kind")), str((obj.get("metadata") or {}).get("name"))) not in seen:
                changes.append(f"- {_name(obj)}")
    return changes


def diff(kube: Kube, helm: Helm, build: Build, keys: list[str]) -> dict[str, list[str]]:
    """Each release's changes, in graph order (an empty list: nothing would change)."""
    return {key: diff_release(kube, helm, build.release(key)) for key in keys}


@dataclass(frozen=True)
class ReleaseStatus:
    """One release as the cluster reports it."""

    key: str
    component: str
    helm: str
    revision: int
    journal: str
    health: str

    def as_dict(self) -> dict[str, Any]:
        """For ``--output json``."""
        return {
            "release": self.key,
            "component": self.component,
            "helm": self.helm,
            "revision": self.revision,
            "journal": self.journal,
            "health": self.health,
        }


def status(kube: Kube, helm: Helm, build: Build, keys: list[str]) -> list[ReleaseStatus]:
    """Every release's helm state, whether the journal has it current at this build, and its workloads' health."""
    entries = Journal(kube).entries()
    rows = []
    for key in keys:
        release = build.release(key)
        state = helm.status(release)
        entry = entries.get(f"{release.namespace}.{release.name}")
        if entry is None:
            journal = "-"
        elif entry.digest != release.digest:
            journal = "stale"
        else:
            journal = "current" if entry.state == "done" else entry.state
        health = "-"
        if state is not None:
            verdict = RolledOut().check(GateContext(kube, helm, release))
            health = "ready" if verdict.passed else verdict.reason
        rows.append(
            ReleaseStatus(
                key,
                release.component,
                state.state if state else "not installed",
                state.revision if state else 0,
                journal,
                health,
            )
        )
    return rows


def destroy_order(build: Build, keys: list[str]) -> list[str]:
    """The releases in reverse graph order: every release before the ones it needs."""
    needs = {k: [d for d in build.release(k).needs if d in keys] for k in keys}
    return list(reversed(topological(needs)))


def with_dependants(build: Build, keys: list[str]) -> list[str]:
    """The releases plus every release that needs one of them (destroying a need breaks its dependants)."""
    chosen = set(keys)
    changed = True
    while changed:
        changed = False
        for key, release in build.releases.items():
            if key not in chosen and chosen & set(release.needs):
                chosen.add(key)
                changed = True
    return [k for k in build.releases if k in chosen]


KEEP = {"metadata": {"annotations": {"helm.sh/resource-policy": "keep"}}}


def destroy(
    kube: Kube,
    helm: Helm,
    build: Build,
    keys: list[str],
    delete_data: bool = False,
    on_line: Callable[[str], None] = lambda _: None,
) -> list[str]:
    """Uninstall the releases in reverse graph order; PVCs kept (annotated for Helm) unless ``delete_data``.

    Returns the releases uninstalled, in order.
    """
    journal = Journal(kube)
    done = []
    for key in destroy_order(build, keys):
        release = build.release(key)
        if helm.status(release) is None:
            on_line(f"{key}: not installed")
            journal.forget(release)
            continue
        claims = [o for o in helm.manifest(release) if o.get("kind") == "PersistentVolumeClaim"]
        for claim in claims:
            name = str(claim["metadata"]["name"])
            if not delete_data and kube.get("v1", "PersistentVolumeClaim", name, release.namespace) is not None:
                kube.patch("v1", "PersistentVolumeClaim", name, release.namespace, KEEP)
                on_line(f"{key}: keeping PersistentVolumeClaim {release.namespace}/{name}")
        try:
            helm.uninstall(release)
        except HelmError as exc:
            on_line(f"{key}: uninstall failed: {exc}")
            raise
        if delete_data:
            selector = f"app.kubernetes.io/instance={release.name}"
            names = {str(c["metadata"]["name"]) for c in claims}
            names |= {
                str(c["metadata"]["name"])
                for c in kube.items("v1", "PersistentVolumeClaim", release.namespace, selector)
            }
            for name in sorted(names):
                if kube.delete("v1", "PersistentVolumeClaim", name, release.namespace):
                    on_line(f"{key}: deleted PersistentVolumeClaim {release.namespace}/{name}")
        journal.forget(release)
        on_line(f"{key}: uninstalled")
        done.append(key)
    return done
