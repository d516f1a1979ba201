"""Search behaviour with the fake embedder: ranking signals, refusal, duplicates, highlight."""

import pytest

from newsbot.retrieval.search.answering import QuestionError

QUOTE = '"In a relationship between neighbors and partners there is no place for the practices alleged," the statement said.'


def test_exact_names_and_numbers_find_their_passage(library):
    answer = library.ask("70.3 million pieces of French telephone data")
    assert "70.3 million" in answer.hits[0].passage.text


def test_hits_are_distinct_passages_best_first(library):
    answer = library.ask("Mexico Calderon email Der Spiegel", top_k=5, ranked=True)
    keys = [(h.passage.article, h.passage.start) for h in answer.hits]
    assert len(keys) == len(set(keys)) == 5


def test_question_with_no_known_word_is_refused(library):
    answer = library.ask("zebra quantum lasagne")
    assert answer.answered is False
    assert answer.hits, "the nearest passages are still returned"


def test_same_statement_in_two_articles_collapses_into_one_hit_citing_both(project):
    (project.articles / "one.txt").write_text(f"Title one here\n\nThe ministry spoke on Monday. {QUOTE}\n")
    (project.articles / "two.txt").write_text(f"Title two here\n\nOfficials spoke on Monday. {QUOTE}\n")
    library = project.library()
    library.rebuild()
    answer = library.ask("no place for the practices between neighbors and partners", top_k=3)
    first = answer.hits[0]
    cited = {first.passage.article, *(p.article for p in first.also)}
    assert {"one.txt", "two.txt"} <= cited
    assert all(h.passage.article not in {"one.txt", "two.txt"} for h in answer.hits[1:])


def test_also_in_names_each_other_article_once(project):
    """An article repeating the quote in two paragraphs is one more source, not two: "also
    in" lists each article once, and never the cited article itself."""
    (project.articles / "one.txt").write_text(f"Title one here\n\nThe ministry spoke on Monday. {QUOTE}\n")
    (project.articles / "two.txt").write_text(
        f"Title two here\n\nOfficials spoke on Monday. {QUOTE}\n\n"
        "The harbour council met later in the week to discuss the parking ban on the quay.\n\n"
        f"Diplomats repeated it on Tuesday. {QUOTE}\n"
    )
    library = project.library()
    library.rebuild()
    answer = library.ask("no place for the practices between neighbors and partners", top_k=3)
    cited = [answer.hits[0].passage.article, *(p.article for p in answer.hits[0].also)]
    assert {"one.txt", "two.txt"} <= set(cited)
    assert len(cited) == len(set(cited)), cited


def test_highlight_is_the_sentence_sharing_most_question_words(library):
    answer = library.ask("average of 3 million data intercepts a day NSA graph")
    hit = answer.hits[0]
    start, end = hit.highlight
    assert hit.passage.text[start:end] == "An NSA graph shows an average of 3 million data intercepts a day."


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_an_error(library, question):
    with pytest.raises(QuestionError, match="empty"):
        library.ask(question)
