"""Planning `newsbot add URL`: each page fetched and checked before anything is written.

The same promise as adding files (`newsbot.corpus.importing.plan_import`): every address is fetched
and its article checked first, and one failure refuses the whole `add`, naming the address,
with nothing changed. A page keeps its stable name (`pages.stored_name`), so adding an
address again finds its earlier copy: the same bytes are "unchanged"; a page that changed
since needs `replace`, as a file of the same name does. A page whose text the corpus already
holds under another name is not stored twice ("duplicate").

The earlier copy's title and date fill in what the page does not say, as a feed entry's did
when `newsbot update` stored it: otherwise re-adding a page a feed dated would look changed
(its date gone) and `--replace` would drop the date the feed gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.importing import corpus_files
from newsbot.corpus.web.fetching import Fetcher
from newsbot.corpus.web.pages import WebArticle, fetch_article, stored_name
from newsbot.corpus.web.updating import KnownArticles


@dataclass(frozen=True)
class WebPlacement:
    """One fetched page, where it goes and what `add` does with it."""

    url: str
    target: Path
    data: bytes
    action: str  # "added", "replaced", "unchanged" or "duplicate"
    duplicate_of: str | None = None

    @property
    def changes_corpus(self) -> bool:
        return self.action in ("added", "replaced")

    def describe(self) -> str:
        if self.action == "duplicate":
            return f"{self.url}: already stored as {self.duplicate_of} (same text); not added"
        if self.action == "unchanged":
            return f"{self.url}: already stored as {self.target.name} (unchanged)"
        return f"{self.action} {self.target.name} (from {self.url})"


def plan_web_import(
    urls: Iterable[str], corpus_dirs: Sequence[Path], fetcher: Fetcher, rules=None, replace: bool = False
) -> list[WebPlacement]:
    """Fetch and check every page and decide where each goes; raises before anything is written."""
    existing = corpus_files(corpus_dirs)
    articles: list[WebArticle] = []
    for url in dict.fromkeys(url.strip() for url in urls):
        title, date = _stored_title_and_date(existing.get(stored_name(url), [None])[0])
        try:
            articles.append(fetch_article(fetcher, url, rules, date=date, title=title))
        except CorpusError as exc:
            raise CorpusError(f"{exc}; nothing was added") from None
    known = KnownArticles.from_corpus(corpus_dirs)
    placements, clashes = [], []
    for article in articles:
        current = existing.get(article.name, [None])[0]
        if current is not None:
            action = "unchanged" if current.read_bytes() == article.data else "replaced"
            placements.append(WebPlacement(article.source_url, current, article.data, action))
            if action == "replaced":
                clashes.append((article, current))
            continue
        holder = known.contents.get(article.content_key)
        action = "duplicate" if holder else "added"
        placements.append(WebPlacement(article.source_url, corpus_dirs[0] / article.name, article.data, action, holder))
        known.add(article)
    if clashes and not replace:
        article, current = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise CorpusError(
            f"{article.source_url}: the page changed since it was stored as {current.name}{more}; "
            "pass --replace to store the new version"
        )
    return placements


def _stored_title_and_date(path: Path | None) -> tuple[str | None, str | None]:
    """The title and date the stored copy of a page carries (a feed's, maybe), if any."""
    if path is None:
        return None, None
    from newsbot.corpus.markdown_text import read_markdown

    try:
        stored = read_markdown(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None, None  # replaced or refused as any other copy would be
    return stored.title, stored.date
