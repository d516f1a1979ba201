"""Serving for real: a new generation swapped in, a first build, the loop never blocked,
tokens, the rate limit, and admin actions that change the corpus all or nothing."""

from __future__ import annotations

import threading
import time

from newsbot.bot.app import open_library
from tests.bot.serve.conftest import serving, settings_for, wait_until
from tests.conftest import FRENCH_AMBASSADOR
from tests.fakes import HashingTokenEmbedder

NEW_STORY = (
    "Harbour ferry fares rise\n\nThe harbour ferry company said on Monday that a single fare will rise to "
    "four dollars in March, because the price of diesel doubled over the winter months.\n"
)


class GatedEmbedder(HashingTokenEmbedder):
    """Embeds only once `gate` is set: a slow model, held still for as long as a test likes."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def embed_batch(self, texts):
        assert self.gate.wait(timeout=30), "the test never opened the gate"
        return super().embed_batch(texts)


def test_a_generation_published_by_another_process_is_swapped_in(served, project):
    before = served.client.get("/v1/index").json()["generation"]
    (project.articles / "ferry.txt").write_text(NEW_STORY, encoding="utf-8")
    elsewhere = project.library()  # another process: its own library on the same folders
    elsewhere.rebuild(load=False)
    after = wait_until(lambda: served.client.get("/v1/index").json()["generation"] != before and
                       served.client.get("/v1/index").json()["generation"])
    assert after != before
    answer = served.ask("how much will a harbour ferry fare cost after diesel doubled?").json()
    assert answer["passages"][0]["article"] == "ferry.txt" and answer["generation"] == after


def test_without_an_index_questions_get_503_until_the_first_build_is_done(project):
    embedder = GatedEmbedder()
    library = open_library(project.config(), embedder_factory=lambda: embedder)
    with serving(library, settings_for(project), project.config().feeds) as served:
        refused = served.ask(FRENCH_AMBASSADOR)
        assert refused.status_code == 503 and "Retry-After" in refused.headers
        assert "newsbot index" in refused.json()["error"]
        assert served.client.get("/v1/ready").status_code == 503
        embedder.gate.set()
        wait_until(lambda: served.client.get("/v1/ready").status_code == 200, seconds=30)
        assert served.ask(FRENCH_AMBASSADOR).json()["answered"]


def test_model_work_never_blocks_the_server(project, library):
    """While a question waits on a slow model, health and the page still answer at once."""
    embedder = GatedEmbedder()
    library.embedders = type(library.embedders).one(lambda: embedder)
    with serving(library, settings_for(project), project.config().feeds) as served:
        asking = threading.Thread(target=served.ask, args=(FRENCH_AMBASSADOR,))
        asking.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert served.client.get("/v1/health").status_code == 200
        assert served.client.get("/").status_code == 200
        quick = time.monotonic() - started
        embedder.gate.set()
        asking.join(timeout=30)
    assert quick < 5  # not a timing target: the gate holds the ask for up to 30 s


def test_the_rate_limit_answers_429_with_retry_after(project, library):
    with serving(library, settings_for(project, requests_per_minute=2), project.config().feeds) as served:
        statuses = [served.ask(FRENCH_AMBASSADOR).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        refused = served.ask(FRENCH_AMBASSADOR)
        assert int(refused.headers["Retry-After"]) >= 1 and "wait" in refused.json()["error"]
        assert served.client.get("/v1/health").status_code == 200  # never limited


def test_with_an_api_token_questions_need_it_and_health_does_not(project, library):
    with serving(library, settings_for(project, api_token="ask-secret"), project.config().feeds) as served:
        assert served.ask(FRENCH_AMBASSADOR).status_code == 401
        wrong = served.client.post("/v1/ask", json={"question": "x"}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = served.client.post("/v1/ask", json={"question": FRENCH_AMBASSADOR},
                                   headers={"Authorization": "Bearer ask-secret"})
        assert right.status_code == 200
        assert served.client.get("/v1/health").status_code == 200


def test_admin_actions_need_the_admin_token_and_are_off_without_one(project, library):
    story = {"name": "ferry.txt", "text": NEW_STORY}
    with serving(library, settings_for(project, admin_token=""), project.config().feeds) as served:
        off = served.client.post("/v1/admin/articles", json=story, headers={"Authorization": "Bearer x"})
        assert off.status_code == 403 and "NEWSBOT_ADMIN_TOKEN" in off.json()["error"]
    with serving(library, settings_for(project), project.config().feeds) as served:
        assert served.client.post("/v1/admin/articles", json=story).status_code == 401
        assert not (project.articles / "ferry.txt").exists()


def test_admin_adds_and_removes_an_article_and_the_answers_follow(served, project):
    admin = {"Authorization": "Bearer admin-secret"}
    added = served.client.post("/v1/admin/articles", json={"name": "ferry.txt", "text": NEW_STORY}, headers=admin)
    assert added.status_code == 200, added.text
    assert added.json()["generation"] == served.library.generation()
    assert (project.articles / "ferry.txt").read_text(encoding="utf-8") == NEW_STORY
    question = "how much will a harbour ferry fare cost after diesel doubled?"
    assert served.ask(question).json()["passages"][0]["article"] == "ferry.txt"
    bad = served.client.post("/v1/admin/articles", json={"name": "../x.txt", "text": NEW_STORY}, headers=admin)
    assert bad.status_code == 400 and "file name" in bad.json()["error"]
    removed = served.client.delete("/v1/admin/articles/ferry.txt", headers=admin)
    assert removed.status_code == 200, removed.text
    assert not (project.articles / "ferry.txt").exists()
    assert all(p["article"] != "ferry.txt" for p in served.ask(question).json()["passages"])
    assert served.client.post("/v1/admin/reindex", json={}, headers=admin).status_code == 200
