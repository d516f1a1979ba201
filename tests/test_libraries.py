"""Behaviours now delegated to well-kept libraries, and the cases where ours is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from retrieval.build_lock import BuildBusy, build_lock
from tests.conftest import REPO

# build lock (filelock)

HOLD_LOCK = """
import sys
from pathlib import Path
from retrieval.build_lock import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_package_imports_where_fcntl_does_not_exist():
    code = "import sys; sys.modules['fcntl'] = None; import retrieval.builder, bot.cli"
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rebuild_in_another_process_is_told_one_is_running(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(BuildBusy, match="another rebuild of .* is running"):
            with build_lock(tmp_path):
                pass
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    with build_lock(tmp_path):  # the killed holder's lock went with it
        pass


def test_build_lock_is_free_again_after_the_block(tmp_path):
    with build_lock(tmp_path):
        pass
    with build_lock(tmp_path):
        pass
