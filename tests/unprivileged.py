"""Make a root subprocess subject to file modes, so tests of unreadable and unwritable paths mean something.

Root reads and writes whatever the mode; dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (capabilities(7))
from the bounding set (or execve(2) gives uid 0 every capability back) and from the effective and permitted sets
makes it a user like any other for permission checks. It stays uid 0, so it can still run the interpreter that
lives under /root (dropping to ``nobody`` could not). Use as (part of) a ``preexec_fn``.
"""

from __future__ import annotations

import ctypes
import os

CAPS_VERSION_3 = 0x20080522  # _LINUX_CAPABILITY_VERSION_3, linux/capability.h
PR_CAPBSET_DROP = 24  # linux/prctl.h
DAC_CAPS = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def drop_dac_capabilities() -> None:
    """When running as root, clear CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (prctl(2), capset(2))."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    header = (ctypes.c_uint32 * 2)(CAPS_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two __user_cap_data_struct: effective, permitted, inheritable
    if libc.capget(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    for index in (0, 1):  # effective and permitted of the low 32 capabilities
        data[index] &= ~DAC_CAPS & 0xFFFFFFFF
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
