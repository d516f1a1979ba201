"""`newsbot update`'s corpus half: visit every followed feed, fetch its new entries' pages.

`collect_updates` writes nothing. It returns the new articles (file name and bytes) for the
caller to write through `newsbot.corpus.edits.corpus_edit` and take into the index in the same step,
then the entry addresses to mark seen in the registry once that succeeded: the same
all-or-nothing path `newsbot add` takes with files.

An entry is skipped when the corpus already holds its address (`source_url` in a stored
article's front matter) or its text (`pages.content_key`: the same story re-published under
another address). When an entry's page cannot be fetched (gone, forbidden by robots.txt, not
HTML, too big) and the feed carries the entry's full content, that copy is stored instead:
the publisher offered it for syndication, and a teaser `summary` is never used. An entry that
fails both ways is reported; if it failed for good (gone, forbidden by robots.txt, not HTML,
no article text) it is marked seen and not fetched again, and if it may work later (no
answer, a server error, the time limit) the next update tries it again.

Everything is bounded: entries per feed, new articles per update, and the whole update's
time (`UpdateLimits`); whatever a limit cut is named in the report and comes next time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.importing import corpus_files
from newsbot.corpus.web.feeds import FEED_ACCEPT, FeedEntry, FeedRegistry, FollowedFeed, parse_feed
from newsbot.corpus.web.fetching import Fetcher, FetchError, FetchPolicy, OutOfTime
from newsbot.corpus.web.pages import WebArticle, article_from_feed_content, content_key, fetch_article, normalised_url

T = TypeVar("T")


@dataclass(frozen=True)
class UpdateLimits:
    max_entries_per_feed: int = 30  # the newest ones; a feed rarely lists more
    max_new_articles: int = 200
    time_limit: float = 600.0  # seconds for the whole update


@dataclass(frozen=True)
class UpdateReport:
    articles: tuple[WebArticle, ...]  # new, to be written into the corpus
    skipped: tuple[str, ...]  # one line each: an entry already stored
    errors: tuple[str, ...]  # one line each, naming the feed or page that failed
    notes: tuple[str, ...]  # one line each: done, but not as asked (a feed read in part, a fallback)
    seen: dict[str, tuple[str, ...]]  # feed address -> entry addresses to mark once stored
    titles: dict[str, str]  # feed address -> its title as read now
    already_seen: int = 0  # entries dealt with by an earlier update

    def summary(self) -> str:
        parts = [f"{len(self.articles)} new", f"{len(self.skipped)} already stored", f"{len(self.errors)} failed"]
        return ", ".join(parts)


@dataclass
class KnownArticles:
    """What the corpus holds, to tell a new entry from one already stored."""

    names: set[str] = field(default_factory=set)
    urls: dict[str, str] = field(default_factory=dict)  # normalised source_url -> file name
    contents: dict[str, str] = field(default_factory=dict)  # content_key -> file name

    @classmethod
    def from_corpus(cls, corpus_dirs: Sequence[Path]) -> KnownArticles:
        from newsbot.corpus.markdown_text import split_front_matter

        known = cls()
        for name, paths in corpus_files(corpus_dirs).items():
            known.names.add(name)
            if not name.lower().endswith(".md"):
                continue
            try:
                meta, body = split_front_matter(paths[0].read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError):
                continue  # the index build names unreadable files; here it is just not a duplicate
            if isinstance(meta.get("source_url"), str):
                known.urls.setdefault(normalised_url(meta["source_url"]), name)
            known.contents.setdefault(content_key(body), name)
        return known

    def holding(self, article: WebArticle) -> str | None:
        """The stored article `article` duplicates, by address or by text, if any."""
        return self.urls.get(article.source_url) or self.contents.get(article.content_key)

    def add(self, article: WebArticle) -> None:
        self.names.add(article.name)
        self.urls[article.source_url] = article.name
        self.contents[article.content_key] = article.name


@dataclass
class _Run:
    known: KnownArticles
    limits: UpdateLimits
    articles: list[WebArticle] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen: dict[str, list[str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    already_seen: int = 0


def collect_updates(
    registry: FeedRegistry,
    corpus_dirs: Sequence[Path],
    policy: FetchPolicy | None = None,
    limits: UpdateLimits | None = None,
    rules=None,
    fetcher: Fetcher | None = None,
) -> UpdateReport:
    """Every followed feed's new articles; nothing is written. `rules` (the corpus's
    `ParagraphRules`) refuses an article that would clean to nothing, as `add` does."""
    limits = limits or UpdateLimits()
    fetcher = fetcher or Fetcher(policy or FetchPolicy())
    if fetcher.deadline is None:
        fetcher.deadline = fetcher.clock() + limits.time_limit
    run = _Run(KnownArticles.from_corpus(corpus_dirs), limits)
    for feed in list(registry.feeds):
        if fetcher.clock() >= fetcher.deadline:
            run.errors.append(f"{feed.url}: not visited: the update's time limit ({limits.time_limit:g} s) was reached")
            continue
        try:
            _update_feed(feed, fetcher, rules, run)
        except FetchError as exc:  # the feed itself failed
            gone = "; stop following it (feeds remove) if the site dropped the feed" if exc.gone else ""
            run.errors.append(f"{exc}{gone}")
        except CorpusError as exc:
            run.errors.append(str(exc))
    return UpdateReport(
        articles=tuple(run.articles),
        skipped=tuple(run.skipped),
        errors=tuple(run.errors),
        notes=tuple(run.notes),
        seen={url: tuple(entries) for url, entries in run.seen.items()},
        titles=run.titles,
        already_seen=run.already_seen,
    )


def _update_feed(feed: FollowedFeed, fetcher: Fetcher, rules, run: _Run) -> None:
    parsed = parse_feed(fetcher.get(feed.url, accept=FEED_ACCEPT), run.limits.max_entries_per_feed)
    if parsed.title:
        run.titles[feed.url] = parsed.title
    if parsed.problem:
        run.notes.append(parsed.problem)
    seen_before = set(feed.seen)
    for entry in parsed.entries:
        address = normalised_url(entry.url)
        if address in seen_before:
            run.already_seen += 1
            continue
        if len(run.articles) >= run.limits.max_new_articles:
            run.notes.append(f"{feed.url}: stopped at {run.limits.max_new_articles} new articles; the rest come next update")
            return
        stored = run.known.urls.get(address)
        if stored is None:
            article = _entry_article(entry, fetcher, rules, run)
            if isinstance(article, FetchError):
                if not article.transient:  # reported once, not fetched again every update
                    run.seen.setdefault(feed.url, []).append(address)
                continue
            stored = run.known.holding(article)
            if stored is None:
                run.known.add(article)
                run.articles.append(article)
        if stored is not None:
            run.skipped.append(f"{entry.url}: already stored as {stored}")
        run.seen.setdefault(feed.url, []).append(address)


def _entry_article(entry: FeedEntry, fetcher: Fetcher, rules, run: _Run) -> WebArticle | FetchError:
    """The entry's page as an article, or the feed's own copy if the page fails; the failure
    (reported) if neither gives one. An unexpected error in extraction is reported like a
    failed fetch: one bad page must not end the update."""
    try:
        return fetch_article(fetcher, entry.url, rules, date=entry.date, title=entry.title)
    except FetchError as exc:
        failure = exc
    except CorpusError as exc:
        failure = FetchError(entry.url, str(exc))
    except Exception as exc:
        failure = FetchError(entry.url, f"could not be read ({type(exc).__name__}: {exc})")
    if entry.content and not isinstance(failure, OutOfTime):
        try:
            article = article_from_feed_content(entry.url, entry.content, entry.title, entry.date, rules)
        except CorpusError:
            pass
        else:
            run.notes.append(f"{failure}; stored the feed's own copy of the entry instead")
            return article
    run.errors.append(str(failure))
    return failure


def store_updates(report: UpdateReport, registry: FeedRegistry, corpus_dir: Path, take_in: Callable[[], T]) -> T | None:
    """Write the report's articles into `corpus_dir` and call `take_in` (the index rebuild);
    if it fails, every file is taken out again (`corpus_edit`) and nothing is marked seen.
    Then the registry remembers the entries dealt with, read again from its file first so
    that a feed added or removed meanwhile (`newsbot feeds` while the bot updates) is kept.
    Returns what `take_in` returned, or None when there was nothing new to take in."""
    from newsbot.corpus.edits import corpus_edit

    taken = None
    if report.articles:
        with corpus_edit() as edit:
            for article in report.articles:
                edit.write(corpus_dir / article.name, article.data)
            taken = take_in()
    with FeedRegistry.editing(registry.path) as latest:  # feeds followed or dropped meanwhile stay so
        latest.mark_seen(report.seen, report.titles)
    registry.feeds = latest.feeds
    return taken
