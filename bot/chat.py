"""The interactive prompt: line editing and history from readline, Ctrl-D to leave."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

HISTORY_LENGTH = 1000


def history_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "newsbot" / "history"


def run_chat(answer: Callable[[str], str], greeting: str, interactive: bool) -> None:
    """Read questions until end of input; `answer` turns each into the text to print."""
    readline = _setup_readline() if interactive else None
    print(greeting)
    try:
        while True:
            try:
                question = input("newsbot> " if interactive else "")
            except EOFError:
                if interactive:
                    print()
                return
            except KeyboardInterrupt:
                print()
                continue
            if question.strip():
                print(answer(question))
                print()
    finally:
        if readline is not None:
            _save_history(readline)


def _setup_readline():
    try:
        import readline
    except ImportError:  # not every platform has it; chat still works without history
        return None
    try:
        readline.read_history_file(history_path())
    except OSError:
        pass
    readline.set_history_length(HISTORY_LENGTH)
    return readline


def _save_history(readline) -> None:
    try:
        history_path().parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history_path())
    except OSError:
        pass
