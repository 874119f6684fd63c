"""Small catalog objects the tests build again and again, built once here."""

from __future__ import annotations

from hearth.catalog.models import Node


def node(memory: str = "8Gi", disk: str = "50Gi", cpu: int = 4, role: str = "worker") -> Node:
    """A node with the given size (name, LAN and WireGuard addresses are fixed: tests compare sizes)."""
    return Node.model_validate(
        {
            "name": "n",
            "role": role,
            "lan_ip": "192.168.1.10",
            "wireguard_ip": "10.99.0.10",
            "cpu": cpu,
            "memory": memory,
            "disk": disk,
        }
    )
