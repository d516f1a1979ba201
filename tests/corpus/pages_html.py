"""News pages and feeds as a site would serve them, for the web tests."""

from __future__ import annotations

from html import escape


def story_page(title: str, paragraphs: list[str], date: str | None = "2026-11-20") -> bytes:
    meta = f'<meta property="article:published_time" content="{date}T09:00:00Z">' if date else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{escape(title)} | The Daily</title>{meta}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article><footer>© The Daily</footer></body></html>"
    ).encode()


def story(topic: str) -> list[str]:
    """Three paragraphs about `topic`, long enough to pass the corpus's cleaning rules."""
    return [
        f"Officials confirmed on Thursday that the {topic} had affected thousands of residents across the region.",
        f"The {topic} drew a quick response from emergency services, who worked through the night to help.",
        f"Local leaders said a full report on the {topic} would be published by the end of the month.",
    ]


def rss(title: str, items: list[tuple[str, str]], content: dict[str, str] | None = None) -> bytes:
    """An RSS 2.0 feed; `items` are (title, link); `content` maps a link to its full HTML."""
    entries = []
    for number, (item_title, link) in enumerate(items):
        full = (content or {}).get(link)
        encoded = f"<content:encoded><![CDATA[{full}]]></content:encoded>" if full else ""
        entries.append(
            f"<item><title>{escape(item_title)}</title><link>{escape(link)}</link>"
            f"<pubDate>Fri, {20 - number:02d} Nov 2026 08:00:00 GMT</pubDate>{encoded}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>{''.join(entries)}</channel></rss>"
    ).encode()
