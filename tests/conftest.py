"""Shared fixtures. Every test runs with its own XDG dirs, so no test can read or
write the user's real config, history, cache or KB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def isolated_xdg(tmp_path, monkeypatch):
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NO_COLOR", "1")
    yield tmp_path


def xenkb_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    exe = shutil.which("xenkb", path=os.path.dirname(sys.executable)) or shutil.which("xenkb")
    return [exe] if exe else [sys.executable, "-m", "xenkb"]


def run_xenkb(*args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*xenkb_command(), *args], input=input, capture_output=True, timeout=timeout)


@pytest.fixture(scope="session")
def catalog():
    from xenkb.catalog import load_catalog

    return load_catalog(user=False, use_cache=False)


@pytest.fixture(scope="session")
def matcher(catalog):
    return catalog.matcher()
