"""`run_discord`, which `newsbot discord` calls: start-up problems end in one line and an exit code."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading

import discord
import pytest
import yarl
from aiohttp import web
from discord.gateway import DiscordWebSocket

from newsbot.bot.config import load_config
from newsbot.bot.discord.app import INVITE_PERMISSIONS, INVITE_SCOPES
from newsbot.bot.discord.run import CONFIG_ERROR, run_discord, serve
from tests.conftest import REPO
from tests.corpus.web_server import free_port
from tests.discord_support import REAL_MODEL, fake_library, make_bot, write_config
from tests.fakes import FAKE_MODEL

DOCS = REPO / "docs" / "discord.md"


@pytest.fixture(autouse=True)
def restore_logging():
    """run_discord sets up logging for the process; undo it after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.fixture
def indexed_config(tmp_path):
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    fake_library(config)
    return config


BOT_USER = {"id": "1000", "username": "newsbot", "discriminator": "0", "global_name": None, "avatar": None, "bot": True}
APPLICATION = {
    "id": "1000", "name": "newsbot", "icon": None, "description": "", "summary": "", "bot_public": True,
    "bot_require_code_grant": False, "verify_key": "0" * 64, "owner": BOT_USER, "flags": 0, "team": None,
}


def json_response(payload: dict, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only under exactly this content type.
    return web.Response(status=status, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})


class LocalDiscord:
    """Discord's login and gateway on 127.0.0.1, in a thread of its own so any test can use it.

    It accepts any token (or, with `accept_tokens=False`, refuses every one as Discord does a
    revoked token) and the bot's IDENTIFY, then never says READY: the bot waits, connected.
    """

    def __init__(self, accept_tokens: bool) -> None:
        self.accept_tokens = accept_tokens
        self.identified = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None

    def start(self) -> int:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)

    def stop(self) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_get("/gateway", self._gateway)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return self.runner.addresses[0][1]

    async def _me(self, _request: web.Request) -> web.Response:
        if not self.accept_tokens:
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return json_response(BOT_USER)

    async def _application(self, _request: web.Request) -> web.Response:
        return json_response(APPLICATION)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None})
        async for message in socket:
            if json.loads(message.data).get("op") == 2:
                self.identified.set()
        return socket


@pytest.fixture(params=[True], ids=["accepting"])
def local_discord(request, monkeypatch):
    """discord.py's real HTTP and gateway clients, pointed at `LocalDiscord`."""
    discord_ = LocalDiscord(accept_tokens=request.param)
    port = discord_.start()
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f"ws://127.0.0.1:{port}/gateway"))
    yield discord_
    discord_.stop()


@pytest.mark.parametrize("token", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_missing_token_exits_with_the_config_status_and_one_line(indexed_config, monkeypatch, capsys, token):
    if token is None:
        monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    else:
        monkeypatch.setenv("DISCORD_TOKEN", token)
    assert run_discord(indexed_config, sync=False) == CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.startswith("Error: DISCORD_TOKEN is not set: copy the token from the Bot page")
    assert err.count("\n") == 1


def test_missing_index_exits_with_the_config_status_and_says_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    assert run_discord(config, sync=False) == CONFIG_ERROR
    assert capsys.readouterr().err == f"Error: no index in {config.index_dir}: run `newsbot index`\n"


def test_index_of_another_model_exits_with_the_config_status(indexed_config, tmp_path, monkeypatch, capsys, local_discord):
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    other = load_config(write_config(tmp_path, REAL_MODEL))
    assert run_discord(other, sync=False) == CONFIG_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"Error: the index was built with model '{FAKE_MODEL}' but config.toml names '{REAL_MODEL}': "
        "run `newsbot index --full`"
    )


@pytest.mark.parametrize("local_discord", [False], ids=["refusing"], indirect=True)
def test_rejected_token_exits_with_the_config_status_one_line_and_no_traceback(indexed_config, monkeypatch, capsys, local_discord):
    """A restart cannot fix a revoked token: the status is one the service unit does not
    restart on (it restarted every 30 s forever on exit 1)."""
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    assert run_discord(indexed_config, sync=False) == CONFIG_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        "Error: Discord rejected DISCORD_TOKEN: copy it again from the Bot page of your application"
    )


def test_the_config_status_is_sysexits_ex_config():
    """78 is EX_CONFIG: systemd shows it as `status=78/CONFIG`, distinct from a crash (1)."""
    assert CONFIG_ERROR == 78


def test_discord_unreachable_exits_1_so_the_service_tries_again(indexed_config, monkeypatch, capsys):
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{free_port()}/api/v10")  # nothing listens
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    assert run_discord(indexed_config, sync=False) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("Error: cannot reach Discord:") and "Traceback" not in err


def test_a_bad_config_exits_with_the_config_status(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from newsbot.bot.cli import main

    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    config = write_config(tmp_path, FAKE_MODEL, search="top_k = 0")
    result = CliRunner().invoke(main, ["discord", "--config", str(config)])
    assert result.exit_code == CONFIG_ERROR
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    missing = CliRunner().invoke(main, ["discord", "--config", str(tmp_path / "nowhere.toml")])
    assert missing.exit_code == CONFIG_ERROR and missing.output.startswith("Error: ")


def test_the_invite_asks_for_exactly_the_documented_permissions():
    assert INVITE_PERMISSIONS.value == 274877991936
    assert INVITE_SCOPES == ("bot", "applications.commands")
    text = DOCS.read_text(encoding="utf-8")
    assert "274877991936" in text and "bot applications.commands" in text


@pytest.mark.asyncio
async def test_sigterm_closes_the_connection_and_returns(indexed_config, local_discord):
    bot = make_bot(fake_library(indexed_config), indexed_config, sync=False)
    serving = asyncio.create_task(serve(bot, "a-token"))
    try:
        assert await asyncio.to_thread(local_discord.identified.wait, 10)
        # Without serve's handler the signal would end the test run, so make sure it is there first.
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(serving, timeout=10)
    finally:
        serving.cancel()
    assert bot.is_closed()
