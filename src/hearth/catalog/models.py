"""The typed catalog: what a user states about the platform, once.

The models live in modules along the catalog's own files: ``fields`` (shared field types and small models),
``platform`` (``platform.yaml``), ``component`` (one ``services/`` file) and ``claims`` (``claims.yaml``, a
design document's statements, when the catalog has one). This module re-exports every
public name of them, so ``from hearth.catalog.models import Component`` stays the one import other packages use,
and defines ``Catalog``, the two halves together.

Every model forbids unknown keys so a typo is an error, not a silently ignored setting. Models check the shape
of one value; rules between values, within a file or across files, are in ``hearth.catalog.checks``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hearth.catalog.alerting import AlertRouting, AlertRule, Dashboard, SeverityRoute
from hearth.catalog.claims import Claims, StatedFigure, StatedOrder, StatedTool
from hearth.catalog.component import Backup, Component, Provide
from hearth.catalog.exposure import Web, Webhook
from hearth.catalog.fields import (
    Capability,
    Cron,
    Image,
    Name,
    Port,
    PortName,
    PortNumber,
    Protocol,
    Quantity,
    ResourceAmounts,
    Retention,
    Strict,
    Threshold,
)
from hearth.catalog.install import ChartPod, ChartRef, Install
from hearth.catalog.kubelet import EvictionHard, Kubelet, KubeletReservation, Reserved, SystemPod, Toleration
from hearth.catalog.platform import (
    BackupSchedule,
    Cni,
    Gateway,
    Namespace,
    Node,
    Platform,
    PortAllocation,
    ProxmoxHost,
    SsoSettings,
)
from hearth.catalog.security import SAFE_SYSCTLS, Security, SecurityException
from hearth.catalog.workload import Health, Metrics, Resources, Sidecar, Storage

__all__ = [
    "SAFE_SYSCTLS",
    "AlertRouting",
    "AlertRule",
    "Backup",
    "BackupSchedule",
    "Capability",
    "Catalog",
    "ChartPod",
    "ChartRef",
    "Claims",
    "Cni",
    "Component",
    "Cron",
    "Dashboard",
    "EvictionHard",
    "Gateway",
    "Health",
    "Image",
    "Install",
    "Kubelet",
    "KubeletReservation",
    "Metrics",
    "Name",
    "Namespace",
    "Node",
    "Platform",
    "Port",
    "PortAllocation",
    "PortName",
    "PortNumber",
    "Protocol",
    "Provide",
    "ProxmoxHost",
    "Quantity",
    "Reserved",
    "ResourceAmounts",
    "Resources",
    "Retention",
    "Security",
    "SecurityException",
    "SeverityRoute",
    "Sidecar",
    "SsoSettings",
    "StatedFigure",
    "StatedOrder",
    "StatedTool",
    "Storage",
    "Strict",
    "SystemPod",
    "Threshold",
    "Toleration",
    "Web",
    "Webhook",
]


class Catalog(BaseModel):
    """The whole platform: the platform settings, every component keyed by name, and the claims (if any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    components: dict[str, Component]
    claims: Claims = Claims()
