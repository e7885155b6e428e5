"""The served app (`streamlit run dashboards/server.py`, as `make dashboard` runs it): the local
demo listens on loopback only and refuses a network address, a secrets file given but missing
or an incomplete `[auth]` stops it, and Streamlit's metrics endpoint is closed."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from data_contracts.settings import Settings
from tests.app_server import ROOT, app_env, http_status, serve_app, streamlit_command
from tests.conftest import PipelineRun
from tests.processes import free_port


def _refused_start(settings: Settings, *options: str) -> str:
    """Starts the app and returns its error output; fails unless it exits with an error."""
    done = subprocess.run(
        streamlit_command(free_port(), *options),
        env=app_env(settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    return done.stderr


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only picks the interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_demo_serves_on_loopback_only_and_closes_metrics(demo_pipeline: PipelineRun) -> None:
    port = free_port()
    with serve_app(demo_pipeline.settings, port=port) as url:
        assert http_status(url + "/_stcore/health") == 200
        assert http_status(url + "/_stcore/metrics") == 404
        assert http_status(url + "/_stcore/metrics?families=session_events") == 404
        address = _non_loopback_address()
        if address is None:
            pytest.skip("this machine has no non-loopback address to try")
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


def test_demo_refuses_to_start_on_every_interface(demo_pipeline: PipelineRun) -> None:
    error = _refused_start(demo_pipeline.settings, "--server.address", "0.0.0.0")
    assert "startar inte" in error and "127.0.0.1 only" in error


def test_a_missing_secrets_file_or_incomplete_auth_refuses_to_start(
    demo_pipeline: PipelineRun, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    error = _refused_start(demo_pipeline.settings, "--secrets.files", str(missing))
    assert f"secrets file not found: {missing}" in error

    partial = tmp_path / "secrets.toml"
    partial.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    error = _refused_start(demo_pipeline.settings, "--secrets.files", str(partial))
    assert "[auth] lacks cookie_secret, client_id, client_secret, server_metadata_url" in error
