"""What the Discord bot says about followed feeds: pure functions of the reports, tested as text."""

from __future__ import annotations

from newsbot.bot.discord.text.safe import MESSAGE_LIMIT, cut_at_word, safe_text
from newsbot.corpus.web.feeds import FollowedFeed, ParsedFeed
from newsbot.corpus.web.updating import UpdateReport
from newsbot.retrieval import BuildReport

FEEDS_BUSY_TEXT = "⏳ The index is being rebuilt; the feeds are read when it ends. Try again in a moment."
NO_FEEDS_TEXT = "No feeds followed yet: add one with `/feeds add`."


def feeds_refused_text(role: str) -> str:
    if role:
        return f"🔒 Only the bot's owner or members with the “{safe_text(role)}” role can manage the followed feeds."
    return "🔒 Only the bot's owner can manage the followed feeds."


def followed_text(url: str, parsed: ParsedFeed) -> str:
    title = f" ({safe_text(parsed.title)})" if parsed.title else ""
    lines = [f"✅ Following <{url}>{title}: {len(parsed.entries)} entries. They are read at the next update."]
    if parsed.problem:
        lines.append(f"⚠️ {safe_text(parsed.problem)}")
    return cut_at_word("\n".join(lines), MESSAGE_LIMIT)


def unfollowed_text(url: str) -> str:
    return f"✅ No longer following <{url}>; its articles stay in the corpus."


def feed_list_text(feeds: list[FollowedFeed]) -> str:
    if not feeds:
        return NO_FEEDS_TEXT
    lines = [f"Followed feeds ({len(feeds)}):"]
    for feed in feeds:
        title = f" {safe_text(feed.title)}" if feed.title else ""
        lines.append(f"•{title} <{feed.url}>, {len(feed.seen)} entries read")
    return cut_at_word("\n".join(lines), MESSAGE_LIMIT)


def update_done_text(report: UpdateReport, built: BuildReport | None) -> str:
    lines = [f"✅ Feeds read: {report.summary()}."]
    lines.append(f"Index rebuilt: {built.summary()}." if built is not None else "No new articles; the index is unchanged.")
    if report.errors:
        lines.append("Failed:")
        lines.extend(f"• {safe_text(line)}" for line in report.errors)
    return cut_at_word("\n".join(lines), MESSAGE_LIMIT)
