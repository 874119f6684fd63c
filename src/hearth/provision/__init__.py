"""Provisioning: the Ansible layer (``build/ansible``) from a bare Proxmox host to a running platform.

Every renderer here is pure: it reads the resolved catalog and returns texts keyed by their path under the build.
"""

from hearth.provision.render import render_ansible

__all__ = ["render_ansible"]
