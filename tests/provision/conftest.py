"""Fixtures for build/ansible tests (defined in ansible_tools, importable by that unique name)."""

from ansible_tools import ansible_dir, ansible_env, run_ansible, seed_catalog

__all__ = ["ansible_dir", "ansible_env", "run_ansible", "seed_catalog"]
