"""Deploy a rendered build to a cluster: ``hearth apply``, ``diff``, ``status`` and ``destroy``.

Helm (the real binary) installs; the official ``kubernetes`` client reads what the cluster reports. hearth orders
the releases by the graph of the rendered helmfile and decides, gate by gate, when each one is really done.
"""

# The last line of `hearth apply` when every selected release was already current: the Ansible infrastructure
# role reports "changed" on its absence (`changed_when`), so the two must spell it the same.
UNCHANGED = "apply: unchanged, every release current"
