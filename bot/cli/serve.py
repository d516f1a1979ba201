"""`newsbot serve`: the HTTP API and the web chat page (`newsbot.bot.serve`), run by uvicorn."""

from __future__ import annotations

import os

import click

from newsbot.bot.cli.common import config_option, friendly_errors
from newsbot.bot.config import ServeSettings, load_config

API_TOKEN_ENV = "NEWSBOT_API_TOKEN"
ADMIN_TOKEN_ENV = "NEWSBOT_ADMIN_TOKEN"


@click.command(epilog="""\b
Examples:
  newsbot serve                      # http://127.0.0.1:8000: the chat page; /docs: the API
  newsbot serve --port 8080
  curl -s localhost:8000/v1/ask -d '{"question": "who summoned the ambassador?"}'
  NEWSBOT_ADMIN_TOKEN=... newsbot serve   # allows POST /v1/admin/... with that token""")
@click.option("--host", default=None, help="address to listen on (default from config.toml: 127.0.0.1)")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="port (default from config.toml: 8000)")
@config_option
@friendly_errors
def serve(host, port, config_path):
    """Serve the chat page and the HTTP API (questions, conversations, sources, admin)."""
    import uvicorn

    from newsbot.bot.app import open_library
    from newsbot.bot.serve.api import make_app
    from newsbot.bot.serve.guards import is_loopback

    config = load_config(config_path)
    settings = serving_settings(config.serve, host, port)
    if not is_loopback(settings.host) and not settings.api_token:
        raise click.ClickException(
            f"serving on {settings.host} opens the API to the network: set {API_TOKEN_ENV} (or [serve] api_token), "
            "or serve on 127.0.0.1 behind a reverse proxy"
        )
    library = open_library(config)
    try:
        click.echo(f"newsbot: the chat page at http://{_shown(settings.host)}:{settings.port}/, "
                   f"the API's docs at /docs (Ctrl-C stops)", err=True)
        uvicorn.run(make_app(library, settings, config.feeds), host=settings.host, port=settings.port,
                    log_level="info", access_log=True, timeout_graceful_shutdown=10)
    finally:
        library.embedders.close()


def serving_settings(configured: ServeSettings, host: str | None, port: int | None) -> ServeSettings:
    """config.toml's [serve], with the command line's address and the environment's tokens
    over it: a token in the environment (a systemd credential, a secret) need not sit in a file."""
    from dataclasses import replace

    return replace(
        configured,
        host=host if host is not None else configured.host,
        port=port if port is not None else configured.port,
        api_token=os.environ.get(API_TOKEN_ENV) or configured.api_token,
        admin_token=os.environ.get(ADMIN_TOKEN_ENV) or configured.admin_token,
    )


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
