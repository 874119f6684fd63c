"""Locate the real command-line tools the tests run: helm, kubectl, helmfile, promtool.

`make tools` (scripts/install-tools.sh) installs pinned versions into ``<repo>/.tools/bin``. A tool found
there wins over one on PATH, because a machine may carry another version (e.g. a newer kubectl). A tool
found nowhere fails the test: a real tool is never silently skipped.

    from tools import tool

    subprocess.run([tool("helm"), "template", ...], check=True)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"


def tool(name: str) -> str:
    """Absolute path of the executable ``name``: ``.tools/bin`` first, then PATH; else fail the test."""
    local = TOOLS_BIN / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found is not None:
        return os.path.abspath(found)
    pytest.fail(
        f"required tool {name!r} is neither in {TOOLS_BIN} nor on PATH: run `make tools` "
        "(scripts/install-tools.sh) to install it",
        pytrace=False,
    )


#: The type of the ``hearth`` fixture (tests/conftest.py): ``hearth(*args, cwd=None)`` runs the CLI in-process.
#: It lives here, not in a conftest, because ``from conftest import`` resolves to whichever conftest is first on
#: the path in a full run.
RunHearth = Callable[..., Result]
