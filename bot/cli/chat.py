"""The interactive prompt: a conversation kept between questions, a few commands, and Ctrl-C
that cancels one question instead of the whole session, as in any REPL.

Split in two so the logic is tested without a terminal: `ChatSession` turns one typed line
into the text to print (asking with the conversation so far, or obeying a command), and
`run_chat` is the loop around the prompt, with readline's editing and history on a terminal.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from newsbot.bot.cli.common import (
    config_option,
    emphasis,
    ensure_index,
    friendly_errors,
    library_for,
)
from newsbot.bot.scripted import Asks
from newsbot.bot.terminal import colour_option
from newsbot.retrieval import Answer, Conversation, QuestionError

HISTORY_LENGTH = 1000
GREETING = "Ask about the articles; follow-ups continue the conversation.\nType help for commands, Ctrl-D to leave."
COMMANDS = ("new", "help", "quit", "exit")
CANCELLED = "(cancelled: the conversation is as it was before that question)"
NEW_CONVERSATION = "New conversation: earlier questions are forgotten."
HELP = """\
Type a question about the articles. A follow-up ("why?", "what did he say next?")
is read in the light of the earlier questions of this conversation.
  new          start a new conversation (forget the earlier questions)
  help         this message
  quit, exit   leave (so does Ctrl-D)
Commands may start with "/" (/new). Ctrl-C cancels a question while it runs."""


@dataclass(frozen=True)
class Reply:
    text: str | None  # None: nothing to print (a blank line)
    leave: bool = False


def command(line: str) -> str | None:
    """The command `line` names (`new`, `/New`, ` QUIT `...), or None when it is a question."""
    word = line.strip().lower()
    word = word[1:] if word.startswith("/") else word
    return word if word in COMMANDS else None


class ChatSession:
    """One person's conversation at the prompt.

    `conversation` changes only when a question is answered, as the last step, so a question
    cancelled with Ctrl-C or refused as empty or too long leaves it as it was.
    """

    def __init__(
        self, library: Asks, render: Callable[[Answer], str], top_k: int | None = None, width: int | None = None
    ):
        self.library = library
        self.render = render
        self.top_k = top_k
        self.width = width  # for status lines; None: the terminal's, as answers are rendered
        self.conversation = Conversation()

    def fit(self, text: str) -> str:
        """A status line wrapped between words to the width: a terminal cuts it mid-word
        (`Ctrl-D to leav|e.`). An "Error: ..." stays one line, as everywhere in newsbot."""
        if text.startswith("Error:"):
            return text
        from newsbot.bot.cli.text import terminal_width

        width = self.width or terminal_width()
        return "\n".join(_fill_line(line, width) for line in text.splitlines())

    def respond(self, line: str) -> Reply:
        if not line:  # Enter alone prompts again, as in any REPL; blanks are an empty question
            return Reply(None)
        name = command(line)
        if name in ("quit", "exit"):
            return Reply(None, leave=True)
        if name == "new":
            self.conversation = Conversation()
            return Reply(self.fit(NEW_CONVERSATION))
        if name == "help":
            return Reply(self.fit(HELP))
        if line.strip().startswith("/"):
            return Reply(self.fit(f"Unknown command {line.strip().split()[0]}; type help for what you can type."))
        return Reply(self._answer(line))

    def _answer(self, question: str) -> str:
        try:
            answer = self.library.ask(question, self.top_k, conversation=self.conversation)
        except QuestionError as exc:
            return f"Error: {exc}"
        text = self.render(answer)
        self.conversation = self.conversation.followed_by(answer)
        return text


def _fill_line(line: str, width: int) -> str:
    indent = line[: len(line) - len(line.lstrip())]  # help's indented rows continue indented
    return textwrap.fill(
        line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    ) if len(line) > width else line


def history_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "newsbot" / "history"


def run_chat(
    session: ChatSession,
    greeting: str,
    interactive: bool,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> None:
    """Read lines until `quit` or end of input (Ctrl-D), printing each reply.

    The question runs in this (the main) thread, so Ctrl-C raises KeyboardInterrupt right
    here, around the ask, where it cancels that question and the prompt comes back.
    """
    readline = _setup_readline() if interactive else None
    write(session.fit(greeting))
    try:
        while True:
            try:
                line = read("newsbot> " if interactive else "")
            except EOFError:
                if interactive:
                    write("")
                return
            except KeyboardInterrupt:  # at the prompt: drop the line, prompt again
                write("")
                continue
            if readline is not None:
                _remember(readline, line)
            try:
                reply = session.respond(line)
            except KeyboardInterrupt:
                write(f"\n{session.fit(CANCELLED)}\n")
                continue
            if reply.text is not None:
                write(reply.text + "\n")
            if reply.leave:
                return
    finally:
        if readline is not None:
            _save_history(readline)


def _setup_readline():
    try:
        import readline
    except ImportError:  # not every platform has it; chat still works without history
        return None
    readline.set_auto_history(False)  # `_remember` keeps what is worth recalling
    readline.clear_history()
    try:
        readline.read_history_file(history_path())
    except OSError:
        pass
    readline.set_history_length(HISTORY_LENGTH)
    return readline


def _remember(readline, line: str) -> None:
    """Add `line` to the history unless it is blank or repeats the line before it."""
    length = readline.get_current_history_length()
    if line.strip() and (length == 0 or readline.get_history_item(length) != line):
        readline.add_history(line)


def _save_history(readline) -> None:
    try:
        history_path().parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history_path())
    except OSError:
        pass


@click.command(epilog="""\b
Examples:
  newsbot chat
  newsbot chat --top-k 3 --config ~/news/config.toml""")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="passages per question (default from config)")
@colour_option
@config_option
@friendly_errors
def chat(top_k, config_path):
    """Ask question after question at a prompt; follow-ups are read in the light of earlier ones."""
    from newsbot.bot.cli.text import render_turn

    library = library_for(config_path)
    ensure_index(library)
    _ = library.embedder  # load the model before the first prompt, not after the first question
    session = ChatSession(library, lambda answer: render_turn(answer, emphasis=emphasis()), top_k)
    run_chat(session, GREETING, interactive=sys.stdin.isatty())
