"""Cleaning and splitting: what becomes a citable paragraph, and what does not."""

from pathlib import Path

import pytest

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.loader import ArticleFile, read_article, scan
from newsbot.corpus.paragraphs import ParagraphRules, segment
from tests.conftest import SHIPPED_ARTICLES

RULES = ParagraphRules()


def load(name: str):
    files = {f.article: f for f in scan([SHIPPED_ARTICLES]).files}
    return read_article(files[name], RULES)


def article_from(tmp_path: Path, name: str, text: str | bytes, rules: ParagraphRules = RULES):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read_article(ArticleFile(name, path, "", path.read_bytes()), rules)


def test_banner_and_credit_line_are_dropped_and_title_kept():
    article = load("000_bfb5fe1d5446f174.txt")
    texts = " ".join(p.text for p in article.paragraphs)
    assert article.title == "Obama assures French leader Hollande over NSA spying reports"
    assert "IE 11" not in texts
    assert "contributed to this report" not in texts
    assert article.paragraphs[0].text.startswith("President Barack Obama spoke")


def test_trailing_headline_byline_and_date_become_metadata():
    article = load("004_ff9fbbdbf3039c2b.txt")
    texts = " ".join(p.text for p in article.paragraphs)
    assert article.title == "U.S. spy chief denies claims of logging French phone calls"
    assert article.date == "Oct. 23, 2013"
    for furniture in ("By CNN", "Risky business for whistleblowers", "Intercepting millions of calls"):
        assert furniture not in texts


@pytest.mark.parametrize(
    "byline, date",
    [
        ("By Dana Whitfield | Dec. 4, 2026", "Dec. 4, 2026"),
        ("By Dana Whitfield | Reuters | 4 December 2026, 09:30", "4 December 2026, 09:30"),
    ],
)
def test_date_in_a_byline_is_kept_as_the_date(tmp_path, byline, date):
    text = f"Storm hits the coast\n\n{byline}\n\n{LONG_ONE}\n"
    article = article_from(tmp_path, "a.txt", text)
    assert article.date == date
    assert [p.text for p in article.paragraphs] == [LONG_ONE]


def test_a_date_line_wins_over_a_byline_date(tmp_path):
    text = f"By Dana Whitfield | Dec. 4, 2026\n\nUpdated Dec. 5, 2026\n\n{LONG_ONE}\n"
    assert article_from(tmp_path, "a.txt", text).date == "Updated Dec. 5, 2026"


CREDITS = [
    "Reporting contributed by Sam Lee and Ana Ortiz.",
    "Additional reporting by Sam Lee in Paris.",
    "Reporting was contributed by Sam Lee.",
    "Sam Lee contributed reporting from Paris.",
    "Sam Lee contributed to this report.",
]


@pytest.mark.parametrize("credit", CREDITS)
def test_credit_line_after_the_last_paragraph_is_dropped(credit):
    seg = segment(f"{LONG_ONE}\n\n{credit}\n", RULES)
    assert [t for _, t, _, _ in seg.paragraphs] == [LONG_ONE]


@pytest.mark.parametrize("credit", CREDITS)
def test_credit_sentence_ending_the_last_paragraph_is_cut_from_it(credit):
    text = f"{LONG_TWO}\n\n{LONG_ONE} {credit}\n"
    seg = segment(text, RULES)
    assert [t for _, t, _, _ in seg.paragraphs] == [LONG_TWO, LONG_ONE]
    assert text[seg.paragraphs[-1][2] : seg.paragraphs[-1][3]] == LONG_ONE


def test_credit_cut_from_a_wrapped_paragraph_keeps_its_offsets():
    text = f"{LONG_ONE}\nIt went on. Reporting contributed\nby Sam Lee.\n"
    (_, kept, start, end), = segment(text, RULES).paragraphs
    assert kept == f"{LONG_ONE} It went on."
    assert text[start:end] == f"{LONG_ONE}\nIt went on."


def test_offsets_point_into_the_file():
    path = SHIPPED_ARTICLES / "004_ff9fbbdbf3039c2b.txt"
    source = path.read_text(encoding="utf-8")
    for paragraph in load(path.name).paragraphs:
        assert " ".join(source[paragraph.start : paragraph.end].split()) == " ".join(paragraph.text.split())


def test_blank_line_blocks_of_wrapped_lines_are_joined(tmp_path):
    text = "A Title Here\n\nThe first paragraph is wrapped\nover two lines of text here, as editors do.\n\nThe second one stands alone and is long enough to be kept on its own.\n"
    article = article_from(tmp_path, "a.txt", text)
    assert [p.text for p in article.paragraphs] == [
        "The first paragraph is wrapped over two lines of text here, as editors do.",
        "The second one stands alone and is long enough to be kept on its own.",
    ]
    assert article.title == "A Title Here"


LONG_ONE = "A much longer paragraph that easily passes the minimum length rule here."
LONG_TWO = "Another paragraph that is long enough to stand on its own in the article."


def test_first_short_paragraph_merges_into_the_next():
    seg = segment(f"Short one.\n\n{LONG_ONE}\n", ParagraphRules(min_chars=30))
    assert [(n, t) for n, t, _, _ in seg.paragraphs] == [(1, f"Short one.\n{LONG_ONE}")]


def test_short_whole_sentence_finishes_the_paragraph_before_it():
    seg = segment(f"{LONG_ONE}\n\nIt added more.\n\n{LONG_TWO}\n", ParagraphRules(min_chars=30))
    assert [(n, t) for n, t, _, _ in seg.paragraphs] == [(1, f"{LONG_ONE}\nIt added more."), (3, LONG_TWO)]


def test_short_lead_in_introduces_the_paragraph_after_it():
    seg = segment(f"{LONG_ONE}\n\nThe minister said:\n\n{LONG_TWO}\n", ParagraphRules(min_chars=30))
    assert [(n, t) for n, t, _, _ in seg.paragraphs] == [(1, LONG_ONE), (2, f"The minister said:\n{LONG_TWO}")]


def test_long_paragraph_splits_at_sentences_with_overlap():
    sentences = [f"Sentence number {i} says something." for i in range(10)]
    seg = segment(" ".join(sentences) + "\n", ParagraphRules(min_chars=10, max_chars=120, overlap_sentences=1))
    pieces = [t for _, t, _, _ in seg.paragraphs]
    assert len(pieces) > 1
    assert all(len(p) <= 120 for p in pieces)
    for before, after in zip(pieces, pieces[1:]):
        assert after.startswith(before.split(". ")[-1].rstrip("."))
    assert {n for n, _, _, _ in seg.paragraphs} == {1}


def test_markdown_heading_is_the_title_and_links_keep_their_words(tmp_path):
    text = "# Big news today\n\nThe [minister](https://example.org) said **nothing** about the affair at all.\n"
    article = article_from(tmp_path, "a.md", text)
    assert article.title == "Big news today"
    assert article.paragraphs[0].text == "The minister said nothing about the affair at all."


def test_html_article_text_is_extracted(tmp_path):
    body = "".join(f"<p>Paragraph {i} of the story tells the reader a great deal about events in Paris.</p>" for i in range(5))
    html = f"<html><head><title>Paris story</title></head><body><nav>Home | World</nav><article><h1>Paris story</h1>{body}</article></body></html>"
    article = article_from(tmp_path, "a.html", html)
    assert "Paris story" in article.title
    assert any("Paragraph 3 of the story" in p.text for p in article.paragraphs)
    assert not any("Home | World" in p.text for p in article.paragraphs)


@pytest.mark.parametrize("payload", [b"\x00\x01\x02binary", b"caf\xe9 latin-1 text"])
def test_unreadable_files_raise_corpus_error_naming_the_file(tmp_path, payload):
    with pytest.raises(CorpusError, match="bad.txt"):
        article_from(tmp_path, "bad.txt", payload)
