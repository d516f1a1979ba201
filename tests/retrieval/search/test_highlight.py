"""The highlight: real sentence boundaries, exact offsets, rare words first, nothing when nothing stands out."""

import pytest

from newsbot.corpus.segmenter import spans
from newsbot.retrieval.index.lexical import terms
from newsbot.retrieval.search.highlight import best_sentence


def sentences(text):
    return [text[s:e] for s, e in spans(text)]


@pytest.mark.parametrize(
    "first",
    [
        "The news release comes the same day French Foreign Minister Laurent Fabius and U.S. Secretary of State John Kerry met.",
        "Mr. Obama spoke to French President Francois Hollande on Monday.",
        "Gen. Keith Alexander, the NSA director, denied the report.",
        "The calls were recorded between Dec. 10, 2012 and Jan. 8, 2013.",
        "The vote is at 10 a.m. Wednesday in Paris.",
        "Brig. Gen. Hugo Aranda was named army commander.",
        "\"Never!\" he added.",
    ],
)
def test_abbreviations_and_quotes_do_not_end_a_sentence(first):
    text = f"{first} The ministry said nothing more."
    assert sentences(text) == [first, "The ministry said nothing more."]


def test_a_quotation_of_several_sentences_is_split():
    text = 'The paper said: "The NSA stores the calls. Apparently it reads texts too." Officials denied it.'
    assert sentences(text) == [
        'The paper said: "The NSA stores the calls.',
        'Apparently it reads texts too."',
        "Officials denied it.",
    ]


def test_spans_are_exact_offsets_into_the_text():
    text = "  Calderón said “no.”\n  Peña Nieto agreed.   Kerry left at 6 p.m. The talks resume today. "
    assert [text[s:e] for s, e in spans(text)] == [
        "Calderón said “no.”",
        "Peña Nieto agreed.",
        "Kerry left at 6 p.m.",
        "The talks resume today.",
    ]


def question(text):
    return terms([text])[0]


def test_the_sentence_sharing_most_question_words_is_chosen():
    text = "The envoy was summoned in Paris. Kerry met Fabius. The U.S. ambassador was summoned on Monday."
    start, end = best_sentence(text, question("who summoned the U.S. ambassador on Monday?"))
    assert text[start:end] == "The U.S. ambassador was summoned on Monday."


def test_ties_go_to_the_earlier_sentence():
    text = "Kerry met Fabius in Paris. Fabius met Kerry in London."
    start, end = best_sentence(text, question("Kerry Fabius"))
    assert text[start:end] == "Kerry met Fabius in Paris."


def test_a_rare_word_outweighs_common_ones_when_weights_are_given():
    text = "The officials said the report was wrong. Snowden leaked it."
    asked = question("what did officials say Snowden leaked in the report?")
    equal = best_sentence(text, asked)
    weighted = best_sentence(text, asked, weights={"officials": 0.2, "report": 0.2, "snowden": 3.0, "leaked": 1.0})
    assert text[equal[0] : equal[1]] == "The officials said the report was wrong."
    assert text[weighted[0] : weighted[1]] == "Snowden leaked it."


def test_a_one_sentence_passage_has_no_highlight():
    text = "Secretary of State John Kerry met U.S. envoy Charles Rivkin and Gen. Keith Alexander in Paris on Dec. 10, 2012."
    assert best_sentence(text, question("where did Kerry meet the envoy?")) is None


def test_no_highlight_when_no_sentence_shares_a_word():
    text = "Kerry met Fabius. They spoke about Syria."
    assert best_sentence(text, question("what did Mexico say on the spying?")) is None


def test_no_highlight_for_a_question_without_content_words():
    assert best_sentence("Kerry met Fabius. They spoke about Syria.", []) is None
