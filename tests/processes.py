"""Servers that tests start in their own process group, and stop with every child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_in_own_group(
    command: list[str], env: dict[str, str], cwd: os.PathLike, log: Path | None = None
) -> subprocess.Popen:
    """Start `command`; its output goes to `log` when given (to read when a test fails)."""
    output = log.open("wb") if log else subprocess.DEVNULL
    return subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so that every child can be stopped
        # Servers started in the background may ignore SIGINT (dagster dev does); reset it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _group_members(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def stop_group(server: subprocess.Popen) -> list[int]:
    """SIGTERM the group (SIGKILL after 30 s, and its children after 45 more); return the pids
    that outlived it (then killed)."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    # A run worker the sensor started cancels its run before it exits: give it time under load.
    deadline = time.time() + 45
    while _group_members(server.pid) and time.time() < deadline:
        time.sleep(0.5)
    left = _group_members(server.pid)
    if left:
        os.killpg(server.pid, signal.SIGKILL)
    return left
