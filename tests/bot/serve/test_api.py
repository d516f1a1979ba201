"""The API through a real server on 127.0.0.1: answers, conversations, refusals as JSON."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from tests.conftest import FRENCH_AMBASSADOR

ASK_JSON_KEYS = {"question", "searched", "answered", "period", "passages"}
PASSAGE_KEYS = {"article", "title", "paragraph", "date", "text", "score", "relevance", "start", "end",
                "highlight", "answer_span", "also"}


def test_ask_answers_with_the_keys_of_ask_json_and_a_conversation(served):
    response = served.ask(FRENCH_AMBASSADOR)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ASK_JSON_KEYS | {"conversation", "generation"}
    assert body["answered"] is True
    assert set(body["passages"][0]) == PASSAGE_KEYS
    assert "summoned" in body["passages"][0]["text"]
    assert body["generation"] == served.library.generation()
    assert body["conversation"]


def test_a_follow_up_is_read_in_the_light_of_its_conversation(served):
    first = served.ask(FRENCH_AMBASSADOR).json()
    alone = served.ask("why?").json()
    follow_up = served.ask("why?", conversation=first["conversation"]).json()
    assert alone["searched"] == "why?"
    assert follow_up["searched"] != "why?" and "ambassador" in follow_up["searched"]
    assert follow_up["conversation"] == first["conversation"]


def test_a_forgotten_or_unknown_conversation_is_404_with_what_to_do(served):
    first = served.ask(FRENCH_AMBASSADOR).json()
    assert served.client.delete(f"/v1/conversations/{first['conversation']}").status_code == 204
    response = served.ask("why?", conversation=first["conversation"])
    assert response.status_code == 404
    assert "without \"conversation\"" in response.json()["error"]


def test_bad_requests_get_json_errors_with_fitting_statuses(served):
    limit = served.library.search_settings.max_question_chars
    cases = {
        400: [served.ask("   "), served.client.post("/v1/ask", json={"questio": "x"}),
              served.client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}),
              served.ask("x", top_k=0)],
        413: [served.ask("word " * limit), served.client.post("/v1/ask", content=b"x" * 70_000)],
        404: [served.client.get("/v1/nothing-here")],
    }
    for status, responses in cases.items():
        for response in responses:
            assert response.status_code == status, response.text
            assert response.headers["content-type"].startswith("application/json")
            message = response.json()["error"]
            assert isinstance(message, str) and "\n" not in message and message


def test_curl_style_form_body_is_read_as_json(served):
    """`curl URL -d '{"question": ...}'` sends a form content type: it still works."""
    response = served.client.post("/v1/ask", content=json.dumps({"question": FRENCH_AMBASSADOR}),
                                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and response.json()["answered"]


def test_scripted_conversations_give_the_events_of_ask_conversations(served, run):
    script = "".join(json.dumps(line) + "\n" for line in (
        {"id": "a", "turns": [FRENCH_AMBASSADOR, "why?"]}, "not an object", {"id": "b", "turns": ["Kerry Fabius"]},
    ))
    response = served.client.post("/v1/conversations", content=script,
                                  headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    over_http = [json.loads(line) for line in response.text.splitlines()]
    from_cli = [json.loads(line) for line in run("ask", "--json", "--conversations", "-", input=script).stdout.splitlines()]
    assert over_http == from_cli
    assert [(e.get("conversation"), e.get("turn")) for e in over_http] == [("a", 1), ("a", 2), (None, None), ("b", 1)]


def test_sources_index_health_and_ready(served):
    sources = served.client.get("/v1/sources").json()["sources"]
    assert [s["article"] for s in sources] == [s.article for s in served.library.sources()]
    info = served.client.get("/v1/index").json()
    assert info["generation"] == served.library.generation() and info["articles"] == len(sources)
    assert served.client.get("/v1/health").json() == {"status": "ok"}
    assert served.client.get("/v1/ready").json() == {"ready": True, "generation": info["generation"]}


def test_the_openapi_description_is_valid_and_docs_need_no_cdn(served):
    spec = served.client.get("/openapi.json").json()
    validate(spec)
    assert {"/v1/ask", "/v1/conversations", "/v1/sources", "/v1/admin/articles"} <= set(spec["paths"])
    docs = served.client.get("/docs").text
    assert "cdn." not in docs and "https://" not in docs.replace("https://fastapi.tiangolo.com", "")


def test_since_limits_the_articles_as_ask_since_does(served):
    dated = served.ask(FRENCH_AMBASSADOR, since="2013-10-01").json()
    assert dated["period"] and all(p["date"] for p in dated["passages"])
    bad = served.ask(FRENCH_AMBASSADOR, since="the other day")
    assert bad.status_code == 400 and bad.json()["error"].startswith("since:")


def test_scripted_conversations_are_bounded_and_a_bad_shape_is_an_event_not_a_crash(served):
    bad = json.dumps({"id": "x", "turns": 5}) + "\n" + json.dumps({"id": "y", "turns": {"a": 1}}) + "\n"
    response = served.client.post("/v1/conversations", content=bad, headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    assert [json.loads(line)["error"] for line in response.text.splitlines()] == [
        '"turns" must be a list of strings (the questions)'] * 2
    many = json.dumps({"id": "z", "turns": ["why?"] * 101}) + "\n"
    over = served.client.post("/v1/conversations", content=many, headers={"content-type": "application/x-ndjson"})
    assert over.status_code == 413 and "101 turns" in over.json()["error"]
