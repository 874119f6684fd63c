"""How a component's containers are secured (``security``): the identity they run as, where they may write, the
safe sysctls, and each stated departure from the restricted securityContext with its reason.

Models here check the shape of one value; rules between values are in ``hearth.catalog.checks``.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import Name, Strict

# The sysctls Kubernetes calls safe and Pod Security Standards allow in every profile
# (kubernetes.io/docs/concepts/security/pod-security-standards, "Sysctls").
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)


class SecurityException(Strict):
    """A stated departure from the restricted securityContext, with the reason it is needed.

    ``no-probe`` is the one departure that is not a securityContext's: a container with nothing to probe (no port,
    no tool in its image to observe the daemon) runs without liveness and readiness probes; it names its container
    and the reason, which the rendered workload carries so the compliance audit reads it as a stated exception.
    """

    kind: Literal["run-as-root", "capability", "writable-root-filesystem", "host-path", "privileged", "no-probe"]
    """which restriction is lifted (run-as-root, capability, writable-root-filesystem, host-path, privileged), or
    no-probe: the container runs without liveness/readiness probes."""
    value: str | None = None
    """what exactly (the capability, the host path)."""
    container: Name | None = Field(default=None, description="the one container it applies to (default: all)")
    reason: str = Field(min_length=10)
    """why it is needed."""


class Security(Strict):
    """The identity the container runs as and where it may write; everything else is the secure default."""

    run_as_user: int = Field(default=65532, ge=0)
    """the uid the containers run as."""
    run_as_group: int | None = None
    """the gid they run as (none: runAsGroup is not set)."""
    fs_group: int | None = None
    """the group that owns mounted volumes (none: fsGroup is not set)."""
    writable_paths: list[str] = ["/tmp"]
    """the paths that get a writable emptyDir (the root filesystem is read-only)."""
    exceptions: list[SecurityException] = []
    """stated departures from the restricted securityContext, each with a reason."""
    api_access: bool = False
    """mount a service account token: the component talks to the Kubernetes API."""
    sysctls: dict[str, str] = Field(default={}, description="namespaced safe sysctls only")

    @model_validator(mode="after")
    def _safe_sysctls(self) -> Security:
        unsafe = sorted(set(self.sysctls) - SAFE_SYSCTLS)
        if unsafe:
            raise ValueError(f"sysctl {unsafe[0]!r} is not one of the safe sysctls Pod Security allows")
        return self

    @model_validator(mode="after")
    def _root_is_stated(self) -> Security:
        if self.run_as_user == 0 and not any(e.kind == "run-as-root" for e in self.exceptions):
            raise ValueError("run_as_user 0 needs an exception of kind run-as-root with a reason")
        return self
