"""Every config.toml setting, declared once: section, key, default, the values that mean
something, and one line of help.

`newsbot.bot.config` checks a file against these; `tests/test_settings.py` holds config.toml, the
`newsbot init` template, the table in docs/configuration.md and retrieval's `SearchSettings` defaults to them,
so a new setting is one line here plus its use (and its comment in the two .toml files).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsbot.corpus.paragraphs import DEFAULT_MAX_ARTICLE_BYTES


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any  # its type is the setting's type (an int is accepted where a float is)
    help: str
    low: float | None = None  # None: no bound on that side
    high: float | None = None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def kind(self) -> type:
        return type(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("corpus", "dirs", ["corpus/articles"], "folders of articles; `newsbot add` copies into the first"),
    Setting("corpus", "max_article_bytes", DEFAULT_MAX_ARTICLE_BYTES, "a larger file is skipped with a warning"),
    Setting("paragraphs", "min_chars", 60, "a shorter paragraph is merged into a neighbour", low=1),
    Setting("paragraphs", "max_chars", 1200, "a longer paragraph is split at sentence boundaries"),
    Setting("paragraphs", "overlap_sentences", 1, "sentences each split piece repeats from the one before", low=0),
    Setting("index", "dir", "index", "where the index lives (safe to delete: `newsbot index` rebuilds it)"),
    Setting("index", "model", "all-MiniLM-L6-v2", "the sentence-transformers model; the bundled one works offline"),
    Setting("search", "top_k", 3, "at most this many passages per answer", low=1),
    Setting("search", "min_relevance", 0.27, "the best passage's relevance below which the articles don't answer", 0.0, 1.0),
    Setting("search", "show_relevance", 0.3, "a later passage's relevance below which it is not shown", 0.0, 1.0),
    Setting("search", "min_score", 0.0, "optional floor on the best passage's cosine (0: off)", -1.0, 1.0),
    Setting("search", "min_token_score", 0.0, "optional floor on its token-level match (0: off)", 0.0, 1.0),
    Setting("search", "max_question_chars", 2000, "longer questions are refused", low=1),
    Setting("search", "exact_rescore", 3, "best passages scored again exactly where token vectors are coded", 0, 20),
    Setting("search", "read_depth", 0, "best ranked passages the reader reads (0: off)", 0, 20),
    Setting("discord", "test_guild", 0, "sync slash commands to this server only (0: globally)"),
    Setting("discord", "reindex_role", "newsbot-admin", "members with this role may /reindex"),
    Setting("discord", "cooldown_seconds", 5.0, "seconds a person waits between two questions", low=0),
    Setting("feeds", "file", "feeds.json", "the followed feeds, beside config.toml"),
    Setting("feeds", "update_minutes", 0, "the Discord bot reads the feeds every this many minutes (0: off)", low=0),
    Setting("feeds", "allow_private_addresses", False, "fetch pages and feeds on this machine or the local network"),
    Setting("serve", "host", "127.0.0.1", "where `newsbot serve` listens"),
    Setting("serve", "port", 8000, "its port", 0, 65535),
    Setting("serve", "api_token", "", "Bearer token for asking, needed beyond this machine (or NEWSBOT_API_TOKEN)"),
    Setting("serve", "admin_token", "", "Bearer token for admin routes; empty turns them off (or NEWSBOT_ADMIN_TOKEN)"),
    Setting("serve", "requests_per_minute", 60, "per client address, after 10 at once", low=1),
    Setting("serve", "max_request_bytes", 65536, "larger requests are refused", low=1024),
    Setting("serve", "workers", 2, "questions answered at once", 1, 64),
    Setting("serve", "conversation_minutes", 10, "a conversation is forgotten after this idle time", low=1),
    Setting("serve", "max_conversations", 1000, "at most this many conversations are kept", low=1),
)


def sections() -> dict[str, dict[str, Setting]]:
    """section -> key -> setting, in declaration order."""
    found: dict[str, dict[str, Setting]] = {}
    for setting in SETTINGS:
        found.setdefault(setting.section, {})[setting.key] = setting
    return found
