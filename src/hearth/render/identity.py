"""Pod identity: a ServiceAccount per component and a least-privilege Role bound to it.

The seed grants each workload read access to pods and configmaps in its own namespace and nothing more; the
token is mounted only for components that state they talk to the API (``security.api_access``).
"""

from __future__ import annotations

from hearth.catalog.models import Component
from hearth.render.defaults import metadata
from hearth.render.model import Manifest
from hearth.resolve.pods import standard_labels

READ_ONLY_RULES = [{"apiGroups": [""], "resources": ["configmaps", "pods"], "verbs": ["get", "list", "watch"]}]


def render_identity(component: Component) -> list[Manifest]:
    """ServiceAccount, Role and RoleBinding for a component hearth renders a workload for."""
    if component.install.method != "hearth" or component.image is None:
        return []
    labels = standard_labels(component)
    name, ns = component.name, component.namespace
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata(name, ns, labels),
            "automountServiceAccountToken": component.security.api_access,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(name, ns, labels),
            "rules": [dict(rule) for rule in READ_ONLY_RULES],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(name, ns, labels),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}],
        },
    ]
