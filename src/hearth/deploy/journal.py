"""The journal: a ConfigMap in hearth's namespace recording, per release, what was applied at which revision.

Each release is one data key (``namespace.name``) holding JSON: the digest of the rendered content, the helm
revision, and the state: ``installing`` (written before helm is called, with the revision helm had then) or
``done`` (written once every gate passed). A rerun skips a release that is done at the same digest and revision,
and never calls helm again for one whose install finished before a kill (helm's revision moved past
``from_revision`` at the same digest): it only runs that release's gates.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

from hearth.deploy.gates import HEARTH_NAMESPACE
from hearth.deploy.kube import Kube
from hearth.deploy.releases import Release

JOURNAL = "hearth-journal"


@dataclass(frozen=True)
class Entry:
    """What the journal says about one release."""

    state: str
    digest: str
    revision: int = 0
    from_revision: int = 0


def _key(release: Release) -> str:
    return f"{release.namespace}.{release.name}"


class Journal:
    """Reads and writes the journal ConfigMap; each write merge-patches one key, so releases never overwrite others."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self._lock = threading.Lock()
        self._ready = False

    def _ensure(self) -> None:
        with self._lock:
            if self._ready:
                return
            self.kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": HEARTH_NAMESPACE}})
            self.kube.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": JOURNAL, "namespace": HEARTH_NAMESPACE},
                    "data": {},
                },
                HEARTH_NAMESPACE,
            )
            self._ready = True

    def entries(self) -> dict[str, Entry]:
        """Every entry, by ``namespace.name``."""
        found = self.kube.get("v1", "ConfigMap", JOURNAL, HEARTH_NAMESPACE)
        data: dict[str, Any] = (found or {}).get("data") or {}
        return {k: Entry(**json.loads(v)) for k, v in data.items()}

    def get(self, release: Release) -> Entry | None:
        """The release's entry, None when the journal has none."""
        return self.entries().get(_key(release))

    def put(self, release: Release, entry: Entry) -> None:
        """Record the release's entry."""
        self._ensure()
        body = {"data": {_key(release): json.dumps(asdict(entry), sort_keys=True)}}
        self.kube.patch("v1", "ConfigMap", JOURNAL, HEARTH_NAMESPACE, body)

    def forget(self, release: Release) -> None:
        """Drop the release's entry (after ``destroy``)."""
        if self.kube.get("v1", "ConfigMap", JOURNAL, HEARTH_NAMESPACE) is not None:
            self.kube.patch("v1", "ConfigMap", JOURNAL, HEARTH_NAMESPACE, {"data": {_key(release): None}})
