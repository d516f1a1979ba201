"""The chat prompt's logic over a real library (fake embedder): conversation kept, commands
obeyed and never searched, Ctrl-C cancelling one question and not the session."""

import signal

import pytest

from newsbot.bot.cli.chat import CANCELLED, GREETING, HELP, NEW_CONVERSATION, ChatSession, command, run_chat
from newsbot.bot.cli.text import render_turn
from newsbot.retrieval.library import Library


class RecordingLibrary:
    """A real library that notes each question and the conversation it was asked with."""

    def __init__(self, library: Library, interrupt_on: str | None = None):
        self.library = library
        self.interrupt_on = interrupt_on
        self.asked = []

    def ask(self, question, top_k=None, conversation=None):
        if question == self.interrupt_on:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C while the search runs
        self.asked.append((question, conversation))
        return self.library.ask(question, top_k, conversation=conversation)


def chat_through(session, lines, interactive=False):
    """Run the prompt over `lines` (an exception instance is raised instead of read); the output."""
    pending = list(lines)
    out = []

    def read(prompt):
        if not pending:
            raise EOFError
        line = pending.pop(0)
        if isinstance(line, BaseException):
            raise line
        return line

    run_chat(session, "hello", interactive=interactive, read=read, write=out.append)
    return out


@pytest.mark.parametrize("line, name", [("new", "new"), ("/NEW", "new"), ("  Help ", "help"), ("/quit", "quit"), ("EXIT", "exit")])
def test_commands_are_recognised_in_any_case_with_or_without_a_slash(line, name):
    assert command(line) == name


@pytest.mark.parametrize("line", ["who summoned the ambassador?", "new ambassador", "/", "helpful"])
def test_questions_are_not_commands(line):
    assert command(line) is None


def test_a_follow_up_is_asked_with_the_earlier_turn(library):
    recorder = RecordingLibrary(library)
    session = ChatSession(recorder, render_turn)
    session.respond("French government summoned ambassador")
    session.respond("why?")
    (_, first), (_, second) = recorder.asked
    assert not first
    assert second.questions == ("French government summoned ambassador",)
    assert session.conversation.questions == ("French government summoned ambassador", "why?")


def test_new_starts_a_fresh_conversation_and_says_so(library):
    recorder = RecordingLibrary(library)
    session = ChatSession(recorder, render_turn)
    session.respond("French government summoned ambassador")
    assert session.respond("/new").text == NEW_CONVERSATION
    session.respond("Kerry Fabius")
    assert not recorder.asked[-1][1]


def test_commands_are_not_searched(library):
    recorder = RecordingLibrary(library)
    out = chat_through(ChatSession(recorder, render_turn), ["help", "/Help", "new", "/bogus", "quit", "Kerry Fabius"])
    assert recorder.asked == []
    assert out.count(HELP + "\n") == 2
    assert any("Unknown command /bogus" in text for text in out)


def test_quit_leaves_before_later_lines(library):
    recorder = RecordingLibrary(library)
    chat_through(ChatSession(recorder, render_turn), ["Kerry Fabius", "Exit", "French phone calls"])
    assert [question for question, _ in recorder.asked] == ["Kerry Fabius"]


def test_a_bad_question_is_one_line_and_the_session_goes_on(library):
    recorder = RecordingLibrary(library)
    session = ChatSession(recorder, render_turn)
    out = chat_through(session, ["Kerry Fabius", "x" * 5000, "French phone calls"])
    errors = [text for text in out if text.startswith("Error:")]
    assert len(errors) == 1 and len(errors[0].strip().splitlines()) == 1
    assert session.conversation.questions == ("Kerry Fabius", "French phone calls")


def test_ctrl_c_during_a_question_cancels_it_and_keeps_the_session(library):
    recorder = RecordingLibrary(library, interrupt_on="slow question")
    session = ChatSession(recorder, render_turn)
    out = chat_through(session, ["Kerry Fabius", "slow question", "French phone calls"])
    assert any(CANCELLED in text for text in out)
    assert session.conversation.questions == ("Kerry Fabius", "French phone calls")
    assert recorder.asked[-1][1].questions == ("Kerry Fabius",)  # the cancelled one left no trace


def test_ctrl_c_at_the_prompt_gives_a_new_prompt(library):
    recorder = RecordingLibrary(library)
    out = chat_through(ChatSession(recorder, render_turn), [KeyboardInterrupt(), "Kerry Fabius"])
    assert [question for question, _ in recorder.asked] == ["Kerry Fabius"]
    assert any("1. [" in text for text in out)


def test_a_whitespace_only_line_says_the_question_is_empty(library):
    recorder = RecordingLibrary(library)
    session = ChatSession(recorder, render_turn)
    out = chat_through(session, ["Kerry Fabius", " \t ", "French phone calls"])
    errors = [text for text in out if text.startswith("Error:")]
    assert len(errors) == 1 and "the question is empty" in errors[0]
    assert len(errors[0].strip().splitlines()) == 1
    assert session.conversation.questions == ("Kerry Fabius", "French phone calls")


def test_an_empty_line_just_prompts_again(library):
    out = chat_through(ChatSession(RecordingLibrary(library), render_turn), [""])
    assert out == ["hello"]


def test_history_keeps_what_was_typed_but_not_blank_lines(library, tmp_path, monkeypatch):
    readline = pytest.importorskip("readline")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    chat_through(ChatSession(RecordingLibrary(library), render_turn), ["Kerry Fabius", "   ", "", "help"], interactive=True)
    readline.clear_history()
    readline.read_history_file(tmp_path / "state" / "newsbot" / "history")
    kept = [readline.get_history_item(i) for i in range(1, readline.get_current_history_length() + 1)]
    assert kept == ["Kerry Fabius", "help"]


@pytest.mark.parametrize("width", [40, 60, 100])
def test_status_lines_wrap_at_word_boundaries_to_the_width(library, width):
    """The terminal cut the greeting mid-word at 100 columns (`Ctrl-D to leav|e.`): status
    lines are wrapped between words, like the answers."""
    session = ChatSession(RecordingLibrary(library), render_turn, width=width)
    out = []
    pending = iter(["new", "help", "/frobnicate now"])

    def read_or_end(_prompt):
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    run_chat(session, GREETING, interactive=False, read=read_or_end, write=out.append)
    printed = "\n".join(out).splitlines()
    assert all(len(line) <= width for line in printed), [line for line in printed if len(line) > width]
    words = " ".join("\n".join(out).split())
    for status in (GREETING, NEW_CONVERSATION, "Unknown command /frobnicate; type help for what you can type."):
        assert " ".join(status.split()) in words  # wrapped between words, none cut
