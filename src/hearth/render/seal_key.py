"""The static seal's key: a Secret generated once in the cluster, just before the secrets store first starts.

OpenBao's ``seal "static"`` (openbao.org/docs/configuration/seal/static) unseals on every start with a 32-byte
AES-256-GCM key read from a file. The store cannot make its own key (it is sealed until it has one), no secret may
be written under ``build/``, and a key kept in the store's data would unlock that data for anyone with a copy.

So the build states the Secret without its value, in ``cluster/generated-secrets.json``: namespace, name, key,
how many random bytes, its labels, and the release it must exist before. ``hearth apply`` creates it right before
that release (``hearth.deploy.generated``) when it is not there, from the operating system's random source, and
never changes one that is: every later run, upgrade or reinstall keeps the key the data was sealed with. It is no
Helm object, so no uninstall removes it. Its label ``velero.io/exclude-from-backup: "true"``
(velero.io/docs/main/resource-filtering) keeps it out of every backup, so no backup holds both the data and the
key that decrypts it; the operator keeps a copy outside the cluster to restore onto a new one.

The store mounts it at ``/vault/userconfig/<secret>/`` (``hearth.render.vault_server``), where the config's
``current_key = "file://..."`` reads it.
"""

from __future__ import annotations

import json

from hearth.catalog.models import Component
from hearth.contract import GENERATED_SECRETS_FILE, HEARTH_LABELS
from hearth.resolve.records import Resolved

KEY = "key"
KEY_BYTES = 32  # AES-256-GCM (openbao.org/docs/configuration/seal/static: current_key, 32 bytes)
EXCLUDED_FROM_BACKUP = {"velero.io/exclude-from-backup": "true"}


def uses_static_seal(component: Component) -> bool:
    """Whether the component is a secrets store unsealed by a static key (``secrets_init.unseal.method``)."""
    return component.secrets_init is not None and component.secrets_init.unseal.method == "static"


def seal_secret(component: Component) -> str:
    """The Secret holding the component's seal key, ``<component>-seal-key``."""
    return f"{component.name}-seal-key"


def render_generated_secrets(resolved: Resolved) -> dict[str, str]:
    """``cluster/generated-secrets.json``: each Secret ``hearth apply`` generates once, without its value."""
    entries = [
        {
            "namespace": component.namespace,
            "name": seal_secret(component),
            "key": KEY,
            "bytes": KEY_BYTES,
            "labels": {**HEARTH_LABELS, **EXCLUDED_FROM_BACKUP},
            "before": f"{component.namespace}/{component.name}",
            "purpose": f"{component.display_name}'s static seal key",
        }
        for _, component in sorted(resolved.catalog.components.items())
        if uses_static_seal(component)
    ]
    if not entries:
        return {}
    return {GENERATED_SECRETS_FILE: json.dumps(entries, indent=2, sort_keys=True) + "\n"}
