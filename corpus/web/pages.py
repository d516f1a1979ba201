"""A web page as a corpus article: extracted by trafilatura, stored as Markdown.

The stored file is Markdown with YAML front matter (`title`, `date`, `source_url`), the
format `newsbot.corpus.markdown_text` already reads title and date from; trafilatura's Markdown
output keeps paragraphs apart and escapes what would otherwise read as markup. The file's
bytes depend only on the page, never on when it was fetched, so fetching an unchanged page
again gives the same bytes and `add` can call it unchanged.

Names. An article's id is its file name, so a page's name must be the same every time its
address is fetched, and differ between addresses: it is a readable part, host and last path
segment (`example.com-storm-hits-coast`), then the first 12 hex digits of the SHA-256 of
the normalised address (`normalised_url`), then `.md`. Two addresses share a name only if
they normalise alike or their hashes collide (odds about 1 in 2**48).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.web.fetching import Fetched, Fetcher, FetchError

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAME_PART_CHARS = 60


@dataclass(frozen=True)
class WebArticle:
    """A page ready to store: `data` is the whole Markdown file, `name` its file name."""

    name: str
    source_url: str
    title: str | None
    date: str | None
    body: str  # the Markdown after the front matter
    data: bytes

    @property
    def content_key(self) -> str:
        return content_key(self.body)


def normalised_url(url: str) -> str:
    """The address as newsbot identifies a page: scheme and host in lower case, default port,
    fragment and tracking parameters (`utm_*`, `fbclid`, ...) dropped, `/` for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def stored_name(url: str) -> str:
    """The file name a page fetched from `url` is stored under (see the module's docstring)."""
    address = normalised_url(url)
    parts = urlsplit(address)
    host = (parts.hostname or "page").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.(s?html?|php|aspx?)$", "", segments[-1], flags=re.IGNORECASE) if segments else ""
    readable = _slug(f"{host}-{last}" if last else host)[:_NAME_PART_CHARS].strip("-")
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.md"


def content_key(body: str) -> str:
    """The hash that tells one story from another: of the text with case and spacing folded,
    so the same story from two addresses (or re-extracted after a layout change) matches."""
    folded = " ".join(body.casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def fetch_article(fetcher: Fetcher, url: str, rules=None, date: str | None = None, title: str | None = None) -> WebArticle:
    """Fetch `url` and make it an article; `date` and `title` (a feed entry's, say) fill in
    what the page itself does not say. Raises `FetchError` naming `url`."""
    fetched = fetcher.get(url, html_only=True, accept=PAGE_ACCEPT)
    return article_from_page(fetched, url, rules, date, title)


def article_from_page(fetched: Fetched, url: str, rules=None, date: str | None = None, title: str | None = None) -> WebArticle:
    import trafilatura  # lazy: lxml and friends load only when a page is read

    html = fetched.text() if fetched.charset else fetched.body  # else trafilatura reads the <meta> charset
    found = trafilatura.bare_extraction(html, url=fetched.final_url, with_metadata=True, include_comments=False)
    body = trafilatura.extract(
        html, url=fetched.final_url, output_format="markdown", with_metadata=False, include_comments=False
    )
    if found is None or not body or not body.strip():
        raise FetchError(url, "no article text found on this page (an index page, or one built by JavaScript?); not stored")
    return article_from_text(
        url, body, getattr(found, "title", None) or title, getattr(found, "date", None) or date, rules
    )


def article_from_feed_content(url: str, html: str, title: str | None, date: str | None, rules=None) -> WebArticle:
    """The article a feed entry carries in full (`content:encoded`, Atom `content`), for when
    its page cannot be fetched; raises `FetchError` when it has no text."""
    import trafilatura

    body = trafilatura.extract(html, output_format="markdown", include_comments=False, favor_recall=True)
    if not body or not body.strip():
        raise FetchError(url, "the feed's copy of this entry has no text either; not stored")
    return article_from_text(url, body, title, date, rules)


def article_from_text(url: str, body: str, title: str | None, date: str | None, rules=None) -> WebArticle:
    """The stored form of `body` (Markdown) from `url`, checked the way `add` checks a file:
    an article that would clean to nothing is refused here, not skipped on every rebuild."""
    source_url = normalised_url(url)
    name = stored_name(url)
    body = body.strip() + "\n"
    data = _front_matter(title, date, source_url) + body.encode("utf-8")
    if rules is not None:
        _check_readable(name, data, url, rules)
    return WebArticle(name, source_url, title or None, date or None, body, data)


def _front_matter(title: str | None, date: str | None, source_url: str) -> bytes:
    import yaml  # lazy, as the Markdown reader does

    meta = {key: value for key, value in (("title", title), ("date", date), ("source_url", source_url)) if value}
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{text}---\n\n".encode()


def _check_readable(name: str, data: bytes, url: str, rules) -> None:
    from newsbot.corpus.loader import ArticleFile, read_article

    try:
        read_article(ArticleFile(name, Path(name), "", data), rules)
    except CorpusError as exc:
        raise FetchError(url, f"{exc}; not stored") from None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower()).strip("-.") or "page"
