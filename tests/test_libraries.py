"""Behaviours now delegated to well-kept libraries, and the cases where ours is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from newsbot.retrieval.indexing.lock import BuildBusy, build_lock
from tests.conftest import REPO

# build lock (filelock)

HOLD_LOCK = """
import sys
from pathlib import Path
from newsbot.retrieval.indexing.lock import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_package_imports_where_fcntl_does_not_exist():
    code = "import sys; sys.modules['fcntl'] = None; import newsbot.retrieval.indexing.building, newsbot.bot.cli"
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rebuild_in_another_process_is_told_one_is_running(tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(BuildBusy, match="another rebuild of .* is running"):
            with build_lock(tmp_path):
                pass
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    with build_lock(tmp_path):  # the killed holder's lock went with it
        pass


def test_build_lock_is_free_again_after_the_block(tmp_path):
    with build_lock(tmp_path):
        pass
    with build_lock(tmp_path):
        pass


# Markdown articles (PyYAML front matter, markdown-it-py rendering)

FRONT_MATTER_ARTICLE = """---
title: Merkel calls Obama
date: 2013-10-21
---
German chancellor Angela Merkel called President Obama over reports that her phone was tapped.
"""

REFERENCE_LINKS = """The [German government][1] said the call was made on Wednesday, according to [Reuters][r].

[1]: http://example.org/bundesregierung
[r]: http://example.org/reuters "Reuters"
"""

TABLE = """The reports gave the numbers of calls that the agency recorded in each country last year:

| Country | Calls recorded |
|---------|----------------|
| France  | 70.3 million   |
| Spain   | 60.5 million   |
"""


def markdown_article(tmp_path, text: str, name: str = "a.md"):
    from newsbot.corpus.loader import read_article, scan
    from newsbot.corpus.paragraphs import ParagraphRules

    (tmp_path / name).write_text(text, encoding="utf-8")
    (file,) = scan([tmp_path]).files
    return read_article(file, ParagraphRules(min_chars=10))


def test_front_matter_gives_title_and_date_and_is_not_a_paragraph(tmp_path):
    article = markdown_article(tmp_path, FRONT_MATTER_ARTICLE, "frontmatter.md")
    assert article.title == "Merkel calls Obama"
    assert article.date == "2013-10-21"
    assert [p.text for p in article.paragraphs] == [
        "German chancellor Angela Merkel called President Obama over reports that her phone was tapped."
    ]


def test_a_leading_rule_that_is_not_yaml_stays_text(tmp_path):
    text = "---\n\nThe minister said nothing about the affair at all.\n\n---\n\nA long enough paragraph follows.\n"
    article = markdown_article(tmp_path, text)
    assert any("The minister said" in p.text for p in article.paragraphs)


def test_reference_links_keep_their_words_and_lose_their_definitions(tmp_path):
    article = markdown_article(tmp_path, REFERENCE_LINKS)
    assert [p.text for p in article.paragraphs] == [
        "The German government said the call was made on Wednesday, according to Reuters."
    ]


def test_a_table_becomes_rows_of_words(tmp_path):
    article = markdown_article(tmp_path, TABLE)
    text = " ".join(p.text for p in article.paragraphs)
    assert "Country, Calls recorded. France, 70.3 million. Spain, 60.5 million." in text
    assert "|" not in text and "---" not in text


def test_markdown_looking_text_in_a_txt_article_is_read_as_it_is(tmp_path):
    from newsbot.corpus.reader import decode_article

    data = (FRONT_MATTER_ARTICLE + "\n" + REFERENCE_LINKS).encode()
    assert decode_article(tmp_path / "a.txt", data).text == data.decode()


# Discord: pacing (discord.py's CooldownMapping) and escaping (ours, beside discord.utils)


def test_cooldown_charges_a_question_asked_exactly_when_the_wait_ends():
    from newsbot.bot.discord.input import UserCooldown

    now = [100.0]
    cooldown = UserCooldown(5.0, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0.0
    now[0] = 105.0
    assert cooldown.retry_after(1) == 0.0
    now[0] = 106.0
    assert cooldown.retry_after(1) == 4.0



@pytest.mark.parametrize(
    "text",
    [
        "see <#123456789012345678> now",  # a channel mention: no @, so escape_mentions leaves it
        "the \u202egnp.exe file",  # a bidi override reverses the rest of the line
        "bell\x07 ring",
        "at <t:1382400000:R> ago",  # a timestamp Discord renders as a date
    ],
)
def test_neutralise_handles_what_discord_escape_mentions_leaves(text):
    import discord.utils

    from newsbot.bot.discord.text.safe import neutralise

    assert discord.utils.escape_mentions(text) == text
    safe = neutralise(text)
    assert safe != text and "\u202e" not in safe and "\x07" not in safe and "<#" not in safe and "<t:" not in safe


def test_escape_markdown_escapes_a_numbered_list_that_discord_utils_leaves():
    import discord.utils

    from newsbot.bot.discord.text.safe import escape_markdown

    assert discord.utils.escape_markdown("1. first") == "1. first"
    assert escape_markdown("1. first") == "1\\. first"


def test_cooldown_works_on_a_clock_that_starts_at_zero():
    from newsbot.bot.discord.input import UserCooldown

    now = [0.0]
    cooldown = UserCooldown(5.0, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0.0
    assert cooldown.retry_after(1) == 5.0
    now[0] = 5.5
    assert cooldown.retry_after(1) == 0.0
