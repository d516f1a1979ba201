"""Log lines for the Discord bot that read well in a terminal and in a journal alike.

discord.py's own `setup_logging` colours its output on a terminal *and* whenever it thinks it
runs in Docker, even with stderr going to a file, and ignores NO_COLOR: journald and `docker
logs` then hold raw escape codes. Here colour is used only on a terminal without NO_COLOR,
and the voice warnings discord.py prints at every start (PyNaCl, davey) are switched off
through its own flags: newsbot never joins a voice channel, so they are only noise.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import discord

from newsbot.bot.terminal import colour_wanted

PLAIN_FORMAT = "[{asctime}] [{levelname:<8}] {name}: {message}"  # discord.py's, without colour
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def setup_logging(stream: TextIO | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send log records to `stream` (stderr), coloured only on a terminal; returns the handler."""
    stream = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    formatter = discord.utils.MISSING  # discord.py picks its colour formatter
    if not colour_wanted(stream):
        formatter = logging.Formatter(PLAIN_FORMAT, DATE_FORMAT, style="{")
    discord.utils.setup_logging(handler=handler, formatter=formatter, level=level)
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    return handler
