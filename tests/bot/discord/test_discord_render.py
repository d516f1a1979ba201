"""The pure parts of the Discord face: what it shows and how it reads what people type."""

from __future__ import annotations

import pytest

from newsbot.bot.discord.input import UserCooldown, has_words, is_command, plain_question
from newsbot.bot.discord.text.answers import answer_pages, content_words, highlight, passage_value, sources_pages
from newsbot.bot.discord.text.safe import EMBED_TOTAL_LIMIT, FIELD_VALUE_LIMIT, cut_at_word, escape_markdown, fit, neutralise
from newsbot.bot.discord.text.status import cooldown_text, problem_text, progress_text, rebuild_done_text
from newsbot.corpus.model import Paragraph
from newsbot.retrieval.indexing.building import BuildReport
from newsbot.retrieval.library import Source
from newsbot.retrieval.search.answer import Answer, Hit

ZWSP = "\u200b"


def hit(
    text: str, score: float = 0.6789, number: int = 2, title: str = "Envoy summoned", relevance: float | None = None
) -> Hit:
    passage = Paragraph(article="a.txt", title=title, number=number, text=text, start=0, end=len(text))
    return Hit(passage, score, relevance=relevance)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello @everyone and @here", f"hello @{ZWSP}everyone and @{ZWSP}here"),
        ("role <@&123> user <@!45> channel <#6>", f"role <{ZWSP}@&123> user <{ZWSP}@!45> channel <{ZWSP}#6>"),
        ("bell\x07 tab\tend\r\n", "bell tab end\n"),
        ("left\u202eright\u2066", "leftright"),
    ],
)
def test_neutralise_removes_pings_and_control_characters(text, expected):
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*bold* _it_ ~~s~~ ||spoiler|| `code`", r"\*bold\* \_it\_ \~\~s\~\~ \|\|spoiler\|\| \`code\`"),
        ("[masked](https://x.example) > quote", r"\[masked\](https://x.example) \> quote"),
        ("# heading\n- item\n-# small\n1. first", "\\# heading\n\\- item\n\\-# small\n1\\. first"),
        ("back\\slash", "back\\\\slash"),
        ("a - b #1 in 2. place", "a - b #1 in 2. place"),
    ],
)
def test_escape_markdown(text, expected):
    assert escape_markdown(text) == expected


def test_content_words_skip_stopwords_and_single_letters_and_fold_plurals():
    assert content_words("Who summoned the U.S. ambassadors in 2013?") == {"summoned", "ambassador", "2013"}


def test_highlight_bolds_the_question_words():
    text = "The French government summoned the U.S. ambassador in Paris."
    assert highlight(text, "who summoned the ambassador?") == (
        "The French government **summoned** the U.S. **ambassador** in Paris."
    )


def test_highlight_joins_neighbouring_words_into_one_bold_run():
    assert highlight("French government officials", "french government") == "**French government** officials"


def test_highlight_escapes_before_emphasising():
    assert highlight("*Summoned* @everyone", "summoned") == f"\\***Summoned**\\* @{ZWSP}everyone"


def test_highlight_without_content_words_only_escapes():
    assert highlight("what is *it*", "what is it?") == r"what is \*it\*"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("The quick brown fox jumps", 12, "The quick…"),
        ("The quick, brown fox", 13, "The quick…"),
        ("Supercalifragilistic", 8, "Superca…"),
        ("two\nlines here", 9, "two…"),
    ],
)
def test_cut_at_word(text, limit, expected):
    assert cut_at_word(text, limit) == expected


def test_fit_cuts_the_text_not_the_markdown():
    fitted = fit("alpha beta gamma delta", lambda t: f"**{t}**", 16)
    assert fitted == "**alpha beta…**"


def test_passage_value_quotes_highlights_and_cites():
    value = passage_value(hit("Paris summoned the U.S. ambassador.\nOn Monday."), "who summoned the ambassador?")
    assert value == "> Paris **summoned** the U.S. **ambassador**.\n> On Monday.\n`a.txt` · relevance 0.68"


def test_passage_value_shows_the_calibrated_relevance_when_search_gives_one():
    value = passage_value(hit("Paris summoned the envoy.", score=0.41, relevance=0.834), "who summoned?")
    assert value.endswith("\n`a.txt` · relevance 0.83")


def test_what_was_searched_for_a_follow_up_is_in_the_footer():
    answer = Answer("why?", True, (hit("Because of the spying."),), searched="why was the U.S. ambassador summoned?")
    [page] = answer_pages(answer, per_page=3)
    assert page.footer.text == "searched: why was the U.S. ambassador summoned?"


def test_the_footer_keeps_the_page_and_adds_what_was_searched():
    hits = tuple(hit(f"passage {i}", number=i) for i in range(1, 5))
    pages = answer_pages(Answer("why?", True, hits, searched="why summoned?"), per_page=3)
    assert pages[1].footer.text == "Passages 4–4 of 4 · page 2 of 2 · searched: why summoned?"


@pytest.mark.parametrize("searched", [None, "who summoned the ambassador?", "  Who summoned  the ambassador? "])
def test_nothing_is_said_when_the_question_was_searched_as_asked(searched):
    answer = Answer("who summoned the ambassador?", True, (hit("Paris summoned."),), searched=searched)
    [page] = answer_pages(answer, per_page=3)
    assert page.footer.text is None


def test_what_was_searched_cannot_ping_and_stays_short():
    searched = "why did @everyone <@&123> " + "word " * 1000
    [page] = answer_pages(Answer("why?", True, (hit("Text."),), searched=searched), per_page=3)
    assert page.footer.text.startswith(f"searched: why did @{ZWSP}everyone <{ZWSP}@&123> word")
    assert page.footer.text.endswith("…") and len(page.footer.text) <= len("searched: ") + 300


def test_answered_page():
    answer = Answer("who summoned the ambassador?", True, (hit("Paris summoned the U.S. ambassador."),))
    [page] = answer_pages(answer, per_page=3)
    assert page.to_dict() == {
        "type": "rich",
        "flags": 0,
        "title": "who summoned the ambassador?",
        "color": 0x5865F2,
        "fields": [
            {
                "name": "1. Envoy summoned · ¶2",
                "value": "> Paris **summoned** the U.S. **ambassador**.\n`a.txt` · relevance 0.68",
                "inline": False,
            }
        ],
    }


def test_unanswered_page_marks_the_nearest_passages():
    answer = Answer("best pizza recipe?", False, (hit("Paris summoned the ambassador.", score=0.12),))
    [page] = answer_pages(answer, per_page=3)
    assert page.title == "The articles don't say"
    assert page.description == (
        "Nothing in the articles answers “best pizza recipe?”. "
        "These are the nearest passages; they may not be relevant."
    )
    assert [field.name for field in page.fields] == ["Nearest passage 1 · Envoy summoned · ¶2"]


def test_answer_pages_split_hits_and_say_where_you_are():
    answer = Answer("q?", True, tuple(hit(f"passage {i}", number=i) for i in range(1, 8)))
    pages = answer_pages(answer, per_page=3)
    assert [[field.name.split(" ")[0] for field in page.fields] for page in pages] == [
        ["1.", "2.", "3."],
        ["4.", "5.", "6."],
        ["7."],
    ]
    assert [page.footer.text for page in pages] == [
        "Passages 1–3 of 7 · page 1 of 3",
        "Passages 4–6 of 7 · page 2 of 3",
        "Passages 7–7 of 7 · page 3 of 3",
    ]


def test_long_passages_fit_discord_limits_and_end_at_a_word():
    words = " ".join(f"word{i}" for i in range(1500))
    answer = Answer("word7 " * 300, True, tuple(hit(words, title="T" * 300, number=i) for i in range(10)))
    for page in answer_pages(answer, per_page=10):
        assert len(page) <= EMBED_TOTAL_LIMIT
        assert len(page.title) <= 256
        for field in page.fields:
            assert len(field.name) <= 256 and len(field.value) <= FIELD_VALUE_LIMIT
            quote = field.value.rsplit("\n", 1)[0]
            assert quote.endswith("…")
            assert words.startswith(quote.removeprefix("> ").replace("**", "").removesuffix("…"))


def test_sources_page():
    sources = (Source("a.txt", "First *story*", "Oct. 23, 2013", 11), Source("b.txt", "Second", None, 1))
    [page] = sources_pages(sources)
    assert page.title == "Indexed articles (2)"
    assert page.description == (
        "**First \\*story\\***\n11 paragraphs · Oct. 23, 2013 · `a.txt`\n\n**Second**\n1 paragraph · `b.txt`"
    )


def test_many_sources_are_paged():
    pages = sources_pages(tuple(Source(f"{i}.txt", f"Story {i}", None, 3) for i in range(25)))
    assert [page.footer.text for page in pages] == ["Page 1 of 3", "Page 2 of 3", "Page 3 of 3"]


@pytest.mark.parametrize(
    ("done", "total", "expected"),
    [
        (0, 0, "⏳ Rebuilding the index…"),
        (256, 1024, "⏳ Rebuilding the index… 256/1,024 passages embedded (25%)"),
    ],
)
def test_progress_text(done, total, expected):
    assert progress_text(done, total) == expected


def test_rebuild_done_text():
    report = BuildReport(("new.txt",), (), ("old.txt",), ("a.txt",), ("bad.bin: binary file; skipped",), 30, 4, None)
    assert rebuild_done_text(report, 2.345) == (
        "✅ Index rebuilt in 2.3 s: 1 added, 0 updated, 1 removed, 1 unchanged; 30 passages (4 embedded).\n"
        "Skipped:\n• bad.bin: binary file; skipped"
    )


def test_problem_text_capitalises_the_library_message():
    assert problem_text("no index in /x: run `newsbot index`") == r"⚠️ No index in /x: run \`newsbot index\`"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(4.2, "⏳ Please wait 5 seconds before asking another question."), (0.3, "⏳ Please wait 1 second before asking another question.")],
)
def test_cooldown_text(seconds, expected):
    assert cooldown_text(seconds) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@1234> who summoned the ambassador?", "who summoned the ambassador?"),
        ("  what   did <@!99> and <@&5> say?  ", "what did and say?"),
        ("<#7> <:party:123> <a:dance:456> </ask:789> <t:1700000000:R>", ""),
        ("@everyone who? @here", "who?"),
    ],
)
def test_plain_question_drops_discord_syntax(text, expected):
    assert plain_question(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("who?", True), ("🎉🎉 !!", False), ("2013", True), ("__", False)])
def test_has_words(text, expected):
    assert has_words(text) is expected


@pytest.mark.parametrize(("text", "expected"), [("sync", True), ("Sync!", True), ("sync now", False)])
def test_is_command(text, expected):
    assert is_command(text, "sync") is expected


def test_cooldown_lets_a_user_ask_again_after_the_wait():
    now = [100.0]
    cooldown = UserCooldown(5.0, clock=lambda: now[0])
    assert cooldown.retry_after(1) == 0.0
    now[0] = 102.0
    assert cooldown.retry_after(1) == 3.0
    assert cooldown.retry_after(2) == 0.0
    now[0] = 105.0
    assert cooldown.retry_after(1) == 0.0


def test_best_sentence_is_underlined_and_question_words_stay_bold():
    from newsbot.bot.discord.text.answers import emphasise_best_sentence

    text = "Kerry was in Paris. The French government summoned the ambassador. Then talks."
    assert emphasise_best_sentence(text, (20, 66), "who summoned the ambassador?") == (
        "Kerry was in Paris. __The French government **summoned** the **ambassador**.__ Then talks."
    )


def test_best_sentence_cut_off_by_the_length_limit_is_clipped():
    from newsbot.bot.discord.text.answers import emphasise_best_sentence

    assert emphasise_best_sentence("One two. Three four", (9, 40), "nothing") == "One two. __Three four__"


def test_the_cut_mark_stays_outside_the_underlined_sentence():
    from newsbot.bot.discord.text.answers import emphasise_best_sentence

    assert emphasise_best_sentence("One two. Three four…", (9, 40), "nothing") == "One two. __Three four__…"
