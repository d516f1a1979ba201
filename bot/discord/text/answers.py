"""What the Discord bot shows for an answer and for `/sources`, as pure functions.

Article text is untrusted: it may hold `@everyone`, role mentions, Markdown or control
characters. Everything taken from an article or a user goes through `neutralise`, and through
`escape_markdown` wherever Discord renders Markdown (`newsbot.bot.discord.text.safe`), before it is put
into a message; and everything is cut to Discord's limits
(https://discord.com/developers/docs/resources/message#embed-object-embed-limits), so the
Discord layer never has to think about either.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from newsbot.bot.discord.text.safe import (
    DESCRIPTION_LIMIT,
    ELLIPSIS,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    cut_at_word,
    escape_markdown,
    fit,
    neutralise,
    safe_text,
)
from newsbot.retrieval import Answer, Hit, Source

MAX_PASSAGES_PER_PAGE = 10  # Discord allows 25 fields; more than 10 passages is a wall of text.
SOURCES_PER_PAGE = 10
SEARCHED_LIMIT = 300  # a footer may hold 2048; what was searched is a hint, not the answer

ANSWER_COLOUR = discord.Colour.blurple()
NO_ANSWER_COLOUR = discord.Colour.light_grey()

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
    if answer.period:  # the time the question was limited to: "only articles dated ... to ..."
        footer.append(answer.period)
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
    dated = f" · {safe_text(hit.date)}" if hit.date else ""
    citation = f"\n`{file_name}`{dated} · relevance {relevance(hit):.2f}"

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


