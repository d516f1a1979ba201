"""What the Discord bot shows, as pure functions of `Answer`, `Source` and `BuildReport`.

Article text is untrusted: it may hold `@everyone`, role mentions, Markdown or control
characters. Everything taken from an article or a user goes through `neutralise`, and through
`escape_markdown` wherever Discord renders Markdown, before it is put into a message; and
everything is cut to Discord's limits here
(https://discord.com/developers/docs/resources/message#embed-object-embed-limits), so the
Discord layer never has to think about either.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Sequence

import discord

from bot.discord_conversations import CONVERSATION_MINUTES
from retrieval.search.answer import Answer, Hit
from retrieval.build.pipeline import BuildReport
from retrieval.library import Source

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
MAX_PASSAGES_PER_PAGE = 10  # Discord allows 25 fields; more than 10 passages is a wall of text.
SOURCES_PER_PAGE = 10
ELLIPSIS = "…"
SEARCHED_LIMIT = 300  # a footer may hold 2048; what was searched is a hint, not the answer

ANSWER_COLOUR = discord.Colour.blurple()
NO_ANSWER_COLOUR = discord.Colour.light_grey()

_ZWSP = "\u200b"
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MARKDOWN_ANYWHERE = re.compile(r"([\\*_~|`\[\]>])")
_MARKDOWN_LINE_START = re.compile(r"^( *)([-+#])", re.MULTILINE)
_NUMBERED_LINE = re.compile(r"^( *\d+)\.(?=\s)", re.MULTILINE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BOLD_JOIN = re.compile(r"\*\* \*\*")

STOPWORDS = frozenset(
    """a about above according after again against all also am an and any are article articles as at
    be because been before being below between both but by can could did do does doing done down during
    each few for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my news no nor not now of off on once only or other our out over own please
    said same say says she should so some such tell than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom whose why
    will with would you your""".split()
)


def neutralise(text: str) -> str:
    """Text that cannot ping, reorder the line or carry invisible control codes.

    Kept over `discord.utils.escape_mentions`, which only breaks `@everyone`, `@here` and
    `@<17-20 digit id>`: it leaves control characters, bidi overrides (U+202E turns the
    rest of the line around), channel mentions `<#id>`, slash-command mentions `</cmd:id>`,
    custom emoji and timestamps as they are. The bot also sends with
    `AllowedMentions.none()`; this makes the text read as what it is, not just not ping.
    """
    text = text.replace("\t", " ").replace("\r", "")
    text = _CONTROL.sub("", text).translate(_BIDI_CONTROLS)
    text = _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)
    return text.replace("<", f"<{_ZWSP}")


def escape_markdown(text: str) -> str:
    """Backslash-escape everything Discord would read as formatting, links, mentions or emoji.

    Kept over `discord.utils.escape_markdown`, which leaves `1. first` (a numbered list),
    `]` and a `>` inside a line unescaped. It does one thing better: it leaves URLs whole,
    where we escape their `_`; passages quote articles, which seldom hold bare URLs.
    """
    text = _MARKDOWN_ANYWHERE.sub(r"\\\1", text)
    text = _MARKDOWN_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _NUMBERED_LINE.sub(lambda m: f"{m.group(1)}\\.", text)


def safe_text(text: str) -> str:
    return escape_markdown(neutralise(text))


def content_words(question: str) -> frozenset[str]:
    """The question's words worth emphasising: casefolded, without stopwords and single letters."""
    return frozenset(
        _word_key(word)
        for word in _WORD.findall(question)
        if (len(word) > 1 or word.isdigit()) and word.casefold() not in STOPWORDS
    )


def highlight(passage: str, question: str) -> str:
    """The passage as safe Markdown, with the words it shares with the question in bold."""
    wanted = content_words(question)
    safe = safe_text(passage)
    if not wanted:
        return safe

    def emphasise(match: re.Match[str]) -> str:
        word = match.group(0)
        return f"**{word}**" if _word_key(word) in wanted else word

    return _BOLD_JOIN.sub(" ", _WORD.sub(emphasise, safe))


def emphasise_best_sentence(text: str, span: tuple[int, int] | None, question: str) -> str:
    """`highlight`, with the sentence that best answers (search's `Hit.highlight`) underlined.

    `text` may be a cut prefix of the passage, so the span is clipped to it.
    """
    start, end = span if span else (0, 0)
    end = min(end, len(text) - (1 if text.endswith(ELLIPSIS) else 0))  # the cut mark stays outside
    sentence = text[start:end]
    if not sentence.strip() or "\n" in sentence:
        return highlight(text, question)
    return f"{highlight(text[:start], question)}__{highlight(sentence, question)}__{highlight(text[end:], question)}"


def _word_key(word: str) -> str:
    """Casefolded, with a plural "s" dropped so "ambassadors" matches "ambassador"."""
    key = word.casefold()
    return key[:-1] if len(key) > 3 and key.endswith("s") and not key.endswith("ss") else key


def cut_at_word(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its longest prefix ending at a word, plus "…"."""
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    head = text[: room + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    head = head[:space] if space > 0 else text[:room]
    return head.rstrip(" \n,;:-–—") + ELLIPSIS


def fit(text: str, render: Callable[[str], str], limit: int) -> str:
    """`render` of the longest word-boundary cut of `text` whose rendering fits in `limit`.

    Cutting the rendered Markdown itself could split an escape or a `**`; cutting the plain
    text and rendering again cannot.
    """
    whole = render(text)
    if len(whole) <= limit:
        return whole
    low, high = 0, len(text)
    best = render(cut_at_word(text, 0))
    while low <= high:
        middle = (low + high) // 2
        candidate = render(cut_at_word(text, middle))
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best[:limit]


def answer_pages(answer: Answer, per_page: int) -> list[discord.Embed]:
    """One embed per page of `per_page` passages, all of them within Discord's limits."""
    per_page = max(1, min(per_page, MAX_PASSAGES_PER_PAGE))
    chunks = [answer.hits[i : i + per_page] for i in range(0, len(answer.hits), per_page)] or [()]
    return [
        _answer_page(answer, chunk, first=page * per_page + 1, page=page + 1, pages=len(chunks))
        for page, chunk in enumerate(chunks)
    ]


def _answer_page(answer: Answer, hits: Sequence[Hit], first: int, page: int, pages: int) -> discord.Embed:
    question = neutralise(" ".join(answer.question.split()))
    if answer.answered:
        embed = discord.Embed(title=cut_at_word(question, TITLE_LIMIT), colour=ANSWER_COLOUR)
    else:
        embed = discord.Embed(
            title="The articles don't say",
            description=cut_at_word(
                f"Nothing in the articles answers “{escape_markdown(question)}”. "
                "These are the nearest passages; they may not be relevant.",
                DESCRIPTION_LIMIT,
            ),
            colour=NO_ANSWER_COLOUR,
        )
    footer = [f"Passages {first}–{first + len(hits) - 1} of {len(answer.hits)} · page {page} of {pages}"] if pages > 1 else []
    searched = searched_text(answer)
    if searched:
        footer.append(searched)
    if footer:
        embed.set_footer(text=" · ".join(footer))
    names = [_passage_name(hit, rank, answer.answered) for rank, hit in enumerate(hits, start=first)]
    room = EMBED_TOTAL_LIMIT - len(embed) - sum(map(len, names))
    value_limit = min(FIELD_VALUE_LIMIT, room // max(len(hits), 1))
    for name, hit in zip(names, hits):
        embed.add_field(name=name, value=passage_value(hit, answer.question, value_limit), inline=False)
    return embed


def searched_text(answer: Answer) -> str | None:
    """The "searched: …" footer, when a follow-up was searched as something other than what was typed.

    It shows how the bot read "why?" in the light of the conversation; it is shown in a
    footer, which Discord does not render as Markdown, so neutralising is enough.
    """
    if answer.searched is None:
        return None
    searched = " ".join(answer.searched.split())
    if not searched or searched.casefold() == " ".join(answer.question.split()).casefold():
        return None
    return f"searched: {cut_at_word(neutralise(searched), SEARCHED_LIMIT)}"


def relevance(hit: Hit) -> float:
    """The number shown beside a passage: the calibrated relevance, as the CLI and JSON show it,
    or the cosine score when the search gave none."""
    return hit.relevance if hit.relevance is not None else hit.score


def _passage_name(hit: Hit, rank: int, answered: bool) -> str:
    label = f"{rank}." if answered else f"Nearest passage {rank} ·"
    title = fit(" ".join(hit.passage.title.split()), safe_text, 200)
    return f"{label} {title} · ¶{hit.passage.number}"


def passage_value(hit: Hit, question: str, limit: int = FIELD_VALUE_LIMIT) -> str:
    """The quoted, highlighted passage and its citation line, in at most `limit` characters."""
    file_name = neutralise(hit.passage.article).replace("`", "'")
    citation = f"\n`{file_name}` · relevance {relevance(hit):.2f}"

    def render(text: str) -> str:
        lines = emphasise_best_sentence(text, hit.highlight, question).split("\n")
        return "\n".join(f"> {line}" for line in lines)

    return fit(hit.passage.text, render, limit - len(citation)) + citation


def sources_pages(sources: Sequence[Source]) -> list[discord.Embed]:
    if not sources:
        return [discord.Embed(title="Indexed articles", description="No articles are indexed yet.")]
    chunks = [sources[i : i + SOURCES_PER_PAGE] for i in range(0, len(sources), SOURCES_PER_PAGE)]
    pages = []
    for page, chunk in enumerate(chunks, start=1):
        lines = [source_line(source) for source in chunk]
        embed = discord.Embed(
            title=f"Indexed articles ({len(sources)})",
            description=cut_at_word("\n\n".join(lines), DESCRIPTION_LIMIT),
            colour=ANSWER_COLOUR,
        )
        if len(chunks) > 1:
            embed.set_footer(text=f"Page {page} of {len(chunks)}")
        pages.append(embed)
    return pages


def source_line(source: Source) -> str:
    title = fit(" ".join(source.title.split()), safe_text, 200)
    paragraphs = f"{source.paragraphs} paragraph{'s' if source.paragraphs != 1 else ''}"
    date = f" · {safe_text(source.date)}" if source.date else ""
    file_name = neutralise(source.article).replace("`", "'")
    return f"**{title}**\n{paragraphs}{date} · `{file_name}`"


def progress_text(done: int, total: int) -> str:
    if total <= 0:
        return "⏳ Rebuilding the index…"
    percent = math.floor(100 * done / total)
    return f"⏳ Rebuilding the index… {done:,}/{total:,} passages embedded ({percent}%)"


def rebuild_done_text(report: BuildReport, seconds: float) -> str:
    lines = [f"✅ Index rebuilt in {seconds:.1f} s: {report.summary()}."]
    if report.full_reason:
        lines.append(f"Everything was embedded again because {report.full_reason}.")
    if report.skipped:
        lines.append("Skipped:")
        lines.extend(f"• {safe_text(reason)}" for reason in report.skipped)
    return cut_at_word("\n".join(lines), MESSAGE_LIMIT)


def rebuild_busy_text(started_by: str) -> str:
    return f"⏳ A rebuild started by {safe_text(started_by)} is already running; the new index is swapped in when it ends."


def problem_text(message: str) -> str:
    """A `RetrievalError` message (one lowercase line) as a reply."""
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return cut_at_word(f"⚠️ {safe_text(text)}", MESSAGE_LIMIT)


def cooldown_text(retry_after: float) -> str:
    seconds = max(1, math.ceil(retry_after))
    return f"⏳ Please wait {seconds} second{'s' if seconds != 1 else ''} before asking another question."


def reindex_refused_text(role: str) -> str:
    if role:
        return f"🔒 Only the bot's owner or members with the “{safe_text(role)}” role can rebuild the index."
    return "🔒 Only the bot's owner can rebuild the index."


def help_text(bot_name: str) -> str:
    name = safe_text(bot_name)
    return (
        f"👋 Ask me about the news articles: mention me with a question, like "
        f"“@{name} who summoned the ambassador?”, send me a direct message, or use `/ask`. "
        "`/sources` lists the articles I have read.\n"
        f"Follow-up questions (“why?”) continue your conversation here until you are quiet for "
        f"{CONVERSATION_MINUTES} minutes; replying to one of my answers and mentioning me continues "
        "that answer's conversation. "
        f"To start afresh, say “@{name} new” (in a DM just “new”) or use `/ask` with `new: True`."
    )


AFRESH_TEXT = "🆕 Starting afresh: your next question here is not read as a follow-up to the earlier ones."
NO_WORDS_TEXT = "🤔 I need a question in words, like “who summoned the ambassador?”."
UNEXPECTED_TEXT = "💥 Something went wrong on my side; it has been logged. Please try again in a moment."
NOT_YOUR_PAGES_TEXT = "These results belong to someone else's question: ask your own with `/ask`."
SYNC_REFUSED_TEXT = "🔒 Only the bot's owner can sync the slash commands."


def synced_text(count: int, guild_id: int | None) -> str:
    where = f"to the test guild {guild_id}" if guild_id else "globally (they can take a few minutes to appear)"
    return f"🔄 Synced {count} slash command{'s' if count != 1 else ''} {where}."
