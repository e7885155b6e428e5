"""The served app: `streamlit run dashboards/server.py` (what `make dashboard` runs).

Streamlit finds the `st.App` below and serves `dashboards/app.py` through it, with two guards
that Streamlit 1.67's configuration cannot express (docs/sign-in.md):

- start-up refuses to serve without sign-in on an address reachable from the network, and
  refuses an explicitly given secrets file that does not exist or an incomplete `[auth]`;
- `/_stcore/metrics` (Streamlit's internal metrics, always on) is not served, and files under
  `/media/` (downloads, images) are served only to a signed-in browser when sign-in is on.
"""

from __future__ import annotations

import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit import config
from streamlit.auth_util import get_cookie_with_chunks
from streamlit.runtime.secrets import secrets_singleton
from streamlit.web.server.server_util import get_cookie_secret
from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


class StartupRefused(RuntimeError):
    """The configuration would expose the app; the message says what to change."""


def startup_problem() -> str | None:
    """Why the app must not start with the loaded configuration, or None."""
    from dashboards.auth import is_loopback  # after the runtime exists: it declares caches

    if config.is_manually_set("secrets.files"):
        missing = [f for f in config.get_option("secrets.files") if not Path(f).exists()]
        if missing:
            return f"secrets file not found: {', '.join(missing)}"
    auth = secrets_singleton.get("auth") if secrets_singleton.load_if_toml_exists() else None
    if auth is not None:
        absent = [key for key in AUTH_KEYS if not auth.get(key)]
        return f"[auth] lacks {', '.join(absent)}" if absent else None
    address = config.get_option("server.address")
    if not is_loopback(address):
        return (
            f"sign-in is not configured ([auth] in secrets.toml), and server.address is "
            f"{address or 'unset (every interface)'}: without sign-in the app serves on "
            "127.0.0.1 only (docs/sign-in.md)"
        )
    return None


@asynccontextmanager
async def refuse_unsafe_start(_app):
    problem = startup_problem()
    if problem:
        print(f"SIP-uppföljning startar inte: {problem}", file=sys.stderr, flush=True)
        raise StartupRefused(problem)
    yield


def _signed_in(connection: HTTPConnection) -> bool:
    secret = get_cookie_secret()
    cookie = get_cookie_with_chunks(
        lambda name: (
            decode_signed_value(secret, name, connection.cookies[name])
            if name in connection.cookies
            else None
        ),
        USER_COOKIE_NAME,
    )
    if cookie is None:
        return False
    try:
        return bool(json.loads(cookie).get("is_logged_in"))
    except ValueError:
        return False


class EndpointGuard:
    """Closes the metrics endpoint and keeps media files for signed-in browsers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            base = "/" + (config.get_option("server.baseUrlPath") or "").strip("/")
            path = scope["path"].removeprefix(base.rstrip("/"))
            if path.rstrip("/") == "/_stcore/metrics":
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            if (
                path.startswith("/media/")
                and secrets_singleton.load_if_toml_exists()
                and "auth" in secrets_singleton
                and not _signed_in(HTTPConnection(scope))
            ):
                await PlainTextResponse("Forbidden", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


app = st.App(
    Path(__file__).with_name("app.py"),
    lifespan=refuse_unsafe_start,
    middleware=[Middleware(EndpointGuard)],
)
