"""Follow-up questions read in the light of their conversation (fake embedder, real search)."""


from newsbot.retrieval.search.conversation import MAX_TURNS, Conversation
from tests.conftest import FRENCH_AMBASSADOR

SUMMONED = "who summoned the ambassador?"


def talk(library, *questions):
    conversation, answers = Conversation(), []
    for question in questions:
        answers.append(library.ask(question, conversation=conversation))
        conversation = conversation.followed_by(answers[-1])
    return answers, conversation


def test_a_bare_why_is_answered_from_the_passage_under_discussion(library):
    first, why = talk(library, SUMMONED, "why?")[0]
    assert FRENCH_AMBASSADOR in first.hits[0].passage.text
    alone = library.ask("why?")
    assert alone.answered is False  # "why?" names nothing: alone, nothing answers it
    assert why.answered is True
    assert why.hits[0].passage.article == first.hits[0].passage.article


def test_what_was_searched_is_the_follow_up_with_the_previous_question(library):
    _, why = talk(library, SUMMONED, "why?")[0]
    assert why.question == "why?"
    assert why.searched == f"{SUMMONED} why?"
    assert library.ask(SUMMONED).searched is None


def test_a_question_on_another_subject_still_finds_it(library):
    answers, _ = talk(library, SUMMONED, "Calderon email Der Spiegel Mexico")
    alone = library.ask("Calderon email Der Spiegel Mexico")
    assert answers[1].hits[0].passage == alone.hits[0].passage


def test_earlier_questions_are_not_encoded_again(library, project):
    conversation = Conversation().followed_by(library.ask(SUMMONED))
    project.embedder.embedded.clear()
    library.ask("why?", conversation=conversation)
    assert project.embedder.embedded == ["why?"]


def test_a_conversation_remembers_only_its_last_turns(library):
    _, conversation = talk(library, *[f"question number {n} about the ambassador" for n in range(MAX_TURNS + 3)])
    assert len(conversation.turns) == MAX_TURNS
    assert conversation.questions[0] == "question number 3 about the ambassador"


def test_a_conversation_whose_article_left_the_index_is_searched_afresh(library, project):
    _, conversation = talk(library, SUMMONED)
    (project.articles / "000_bfb5fe1d5446f174.txt").unlink()
    library.rebuild()
    answer = library.ask("why?", conversation=conversation)
    assert answer.searched is None
    assert all(hit.passage.article != "000_bfb5fe1d5446f174.txt" for hit in answer.hits)
