"""The short messages the Discord bot sends besides answers: progress, refusals, help."""

from __future__ import annotations

import math

from newsbot.bot.discord.conversations import CONVERSATION_MINUTES
from newsbot.bot.discord.text.safe import MESSAGE_LIMIT, cut_at_word, safe_text
from newsbot.retrieval import BuildReport


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


def reindex_refused_text(role: str | None) -> str:
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
