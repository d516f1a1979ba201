"""Same statement or not: a shared sentence or quotation counts, a shared topic or stock phrase does not."""


import pytest

from newsbot.corpus.loader import read_article, scan
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.search.duplicates import same_statement
from tests.conftest import REPO

ARTICLES = REPO / "corpus" / "articles"


def paragraph(article: str, containing: str):
    """The shipped article's paragraph holding `containing`, as the index cites it."""
    (file,) = [f for f in scan([ARTICLES]).files if f.article == article]
    (found,) = [p for p in read_article(file, ParagraphRules()).paragraphs if containing in p.text]
    return found


def test_the_obama_hollande_statement_in_the_two_shipped_articles_is_one_statement():
    first = paragraph("000_bfb5fe1d5446f174.txt", "discussed recent disclosures in the press")
    second = paragraph("004_ff9fbbdbf3039c2b.txt", "discussed recent disclosures in the press")
    assert (first.number, second.number) == (4, 8)
    assert first.text != second.text, "each article quotes it inside its own words"
    assert same_statement(first.text, second.text)
    assert same_statement(second.text, first.text)


def test_two_translations_sharing_most_of_a_quote_are_one_statement():
    first = paragraph("000_bfb5fe1d5446f174.txt", "In a relationship between neighbors and partners")
    second = paragraph("004_ff9fbbdbf3039c2b.txt", "In a relationship between neighbors and partners")
    assert same_statement(first.text, second.text)


def test_different_statements_on_the_same_topic_are_not_one():
    first = paragraph("000_bfb5fe1d5446f174.txt", "summoned the U.S. ambassador in Paris")
    second = paragraph("004_ff9fbbdbf3039c2b.txt", "intercepted more than 70 million phone calls")
    assert not same_statement(first.text, second.text)


@pytest.mark.parametrize(
    "a, b",
    [
        (
            "Mexico will send a diplomatic note about the spying, the statement said.",
            "France summoned the American ambassador over the reports, the statement said.",
        ),
        (
            "The NSA hacked the e-mail of Felipe Calderon, according to documents leaked by former NSA contractor Edward Snowden.",
            "Le Monde reported 70.3 million recorded calls in France, citing documents leaked by former NSA contractor Edward Snowden.",
        ),
    ],
)
def test_a_shared_stock_phrase_is_not_a_shared_statement(a, b):
    assert not same_statement(a, b)


def test_case_punctuation_and_spacing_are_folded():
    a = '"There is no place for the practices alleged -- none at all," the ministry said.'
    b = "Officials said: THERE IS NO PLACE for the practices alleged - none   at all."
    assert same_statement(a, b)


def test_a_passage_that_is_nearly_all_of_the_other_is_the_same():
    short = "Secretary of State John Kerry met Laurent Fabius in Paris on Monday to discuss the reports"
    assert same_statement(short, f"{short}, officials said, and Syria.")


def test_texts_too_short_to_state_anything_are_not_matched():
    assert not same_statement("the statement said", "the statement said")
    assert not same_statement("", "")
