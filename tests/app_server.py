"""The app served as `make dashboard` serves it (`streamlit run dashboards/server.py`, from the
project root where `.streamlit/config.toml` is read), for browser and server tests."""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from data_contracts.settings import Settings
from tests.processes import free_port, start_in_own_group, stop_group

ROOT = Path(__file__).resolve().parents[1]


def streamlit_command(port: int, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboards" / "server.py"),
        "--server.port",
        str(port),
        *options,
    ]


def app_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SIP_WAREHOUSE": str(settings.warehouse), **extra}
    env.pop("SIP_PUBLISH_DIR", None)
    return env


@contextmanager
def serve_app(
    settings: Settings, *options: str, port: int | None = None, **env: str
) -> Iterator[str]:
    """The app served from the project root (where `.streamlit/config.toml` is read) until
    the block ends; stopped with every child."""
    port = port or free_port()
    server = start_in_own_group(streamlit_command(port, *options), app_env(settings, **env), ROOT)
    yield from _until_stopped(server, port)


@contextmanager
def serve_script(script: Path) -> Iterator[str]:
    """Any Streamlit script served on its own, from its folder, with Streamlit's defaults."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    server = start_in_own_group(
        [*command, "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        {"PATH": "/usr/bin:/bin", "HOME": str(script.parent)},
        script.parent,
    )
    yield from _until_stopped(server, port)


def _until_stopped(server, port: int) -> Iterator[str]:
    """The server's URL once it listens; at the end, the server stopped with every child."""
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"streamlit exited with {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("streamlit did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        assert not stop_group(server), "streamlit left processes behind"


def http_status(url: str) -> int:
    """The HTTP status of a GET without cookies (as curl would get it)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
