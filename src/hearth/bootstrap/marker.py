"""The last bootstrap step: the marker ConfigMap ``hearth/hearth-bootstrap`` the deploy engine waits on.

``hearth apply`` starts a release that takes secrets only once its provider is named in the marker's
``data.providers`` (space-separated; ``hearth.deploy.gates.BootstrapMarker``). The runner reaches this step only
when every step before it succeeded, so the providers of those steps are written, merged with the ones an
earlier run (or ``--only`` run) recorded. Read first, written (server-side apply) only when a name is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.deploy.gates import BOOTSTRAP_MARKER, HEARTH_NAMESPACE, hearth_namespace_objects
from hearth.deploy.kube import ClusterError, Kube

MARKER_STEP = "bootstrap-marker"


def marker_object(providers: Sequence[str]) -> dict[str, object]:
    """The marker ConfigMap listing ``providers`` (sorted, space-separated, as the gate splits them)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": BOOTSTRAP_MARKER, "namespace": HEARTH_NAMESPACE},
        "data": {"providers": " ".join(sorted(set(providers)))},
    }


def marker_step(connect: Callable[[], Kube], providers: Sequence[str] | Callable[[], Sequence[str]]) -> Step:
    """The marker names ``providers`` (and keeps the ones already named); a callable is asked when the step runs,
    so a provider deferred earlier in the run (its server did not answer) is left out."""
    planned = providers

    def read() -> list[Change]:
        providers = planned() if callable(planned) else planned
        try:
            kube = connect()
            current = kube.get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE)
        except ClusterError as exc:
            raise Unreachable(str(exc)) from exc
        except Exception as exc:  # the client's ApiException and urllib3 errors: one line, no traceback
            raise StepError(f"read ConfigMap {HEARTH_NAMESPACE}/{BOOTSTRAP_MARKER}: {type(exc).__name__}") from exc
        have = set(((current or {}).get("data") or {}).get("providers", "").split())
        missing = sorted(set(providers) - have)
        if not missing:
            return []

        def apply() -> None:
            try:
                for namespace in hearth_namespace_objects():
                    kube.apply(namespace)
                kube.apply(marker_object([*have, *providers]))
            except Exception as exc:
                raise StepError(f"write ConfigMap {HEARTH_NAMESPACE}/{BOOTSTRAP_MARKER}: {type(exc).__name__}") from exc

        return [Change(f"ConfigMap {HEARTH_NAMESPACE}/{BOOTSTRAP_MARKER}: add {', '.join(missing)}", apply)]

    named = "the providers bootstrapped" if callable(planned) else ", ".join(sorted(planned)) + " bootstrapped"
    return FuncStep(MARKER_STEP, f"marker for hearth apply: {named}", read)
