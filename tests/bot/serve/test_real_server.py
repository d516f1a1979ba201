"""`newsbot serve` as a user runs it: a real process, the real bundled model, the shipped
articles beside a hostile one, asked over HTTP and through the chat page in headless Chromium.

The browser is Debian's chromium with its chromedriver (`.ci/run` installs them and sets
NEWSBOT_REQUIRE_BROWSER=1, so CI fails rather than skips without them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHIPPED_ARTICLES
from tests.corpus.web_server import free_port

READY_SECONDS = 240  # the first start builds the index with the real model
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HOSTILE = """Harbour festival opens on Saturday

The harbour festival opens on Saturday <script>window.__pwned = "script"</script> with fireworks over the pier at nine in the evening, the organisers said.

Visitors can read the schedule <img src=x onerror="window.__pwned='img'"> at the pier, and <a href="javascript:window.__pwned='link'">the festival map</a> shows where the food stalls stand this year.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(SHIPPED_ARTICLES, root / "articles")
    (root / "articles" / "festival.txt").write_text(HOSTILE, encoding="utf-8")
    (root / "config.toml").write_text('[corpus]\ndirs = ["articles"]\n[index]\ndir = "index"\n', encoding="utf-8")
    port = free_port()
    newsbot = Path(sys.executable).parent / "newsbot"
    process = subprocess.Popen(
        [str(newsbot), "serve", "--port", str(port), "--config", str(root / "config.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"newsbot serve exited: {process.stdout.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/ready", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"not ready in {READY_SECONDS} s: {process.stdout.read()[-2000:]}")
        time.sleep(0.5)
    yield url, process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_real_server_answers_over_http(server):
    url, _ = server
    answer = httpx.post(f"{url}/v1/ask", json={"question": "who summoned the ambassador?"}, timeout=60).json()
    assert answer["answered"] and "summoned the U.S. ambassador" in answer["passages"][0]["text"]


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("NEWSBOT_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromium-driver are not installed: apt-get install chromium chromium-driver")
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=390,844"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_chat_page_asks_follows_up_starts_afresh_and_refuses(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = server
    browser.get(url + "/")
    wait = WebDriverWait(browser, 60)

    def ask(question: str, turn: int):
        box = browser.find_element(By.ID, "question")
        box.send_keys(question, Keys.ENTER)  # the keyboard alone
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#turns > li")) == turn and
                   d.find_element(By.ID, "ask").is_enabled())
        return browser.find_elements(By.CSS_SELECTOR, "#turns > li")[-1]

    first = ask("who summoned the ambassador?", 1)
    cited = first.find_element(By.CSS_SELECTOR, ".passage")
    assert "summoned the U.S. ambassador" in cited.text
    assert "paragraph" in cited.find_element(By.CSS_SELECTOR, ".meta").text
    assert "relevance" in cited.find_element(By.CSS_SELECTOR, ".meta").text
    assert browser.switch_to.active_element.get_attribute("id") == "question"

    follow_up = ask("why?", 2)
    assert "(searched:" in follow_up.text and follow_up.find_elements(By.CSS_SELECTOR, ".passage")

    browser.find_element(By.ID, "new-conversation").click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#turns > li"))
    fresh = ask("why?", 1)
    assert "(searched:" not in fresh.text  # nothing before it to read it in the light of

    browser.find_element(By.ID, "new-conversation").click()
    refused = ask("what did the mayor of Springfield say about the zoo's new penguins?", 1)
    assert "The articles don't answer this." in refused.text
    if refused.find_elements(By.CSS_SELECTOR, ".passage"):
        assert "Nearest passages (not an answer):" in refused.text
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_article_text_is_never_markup_or_script_in_the_page(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = server
    browser.get(url + "/")
    wait = WebDriverWait(browser, 60)
    for turn, question in enumerate(("when do the harbour festival fireworks start?",
                                     "where can visitors read the festival schedule and see the food stalls map?"), 1):
        browser.find_element(By.ID, "question").send_keys(question, Keys.ENTER)
        wait.until(lambda d, turn=turn: len(d.find_elements(By.CSS_SELECTOR, "#turns > li .passage, #turns > li .error"))
                   and len(d.find_elements(By.CSS_SELECTOR, "#turns > li")) == turn and d.find_element(By.ID, "ask").is_enabled())
    shown = browser.find_element(By.ID, "turns").text
    assert '<script>window.__pwned = "script"</script>' in shown
    assert "<img src=x onerror=" in shown and '<a href="javascript:' in shown
    assert not browser.find_element(By.ID, "turns").find_elements(By.CSS_SELECTOR, "script, img, a, iframe")
    time.sleep(0.5)  # an onerror would have fired by now
    assert browser.execute_script("return window.__pwned === undefined")


def test_ctrl_c_stops_the_server_cleanly_with_an_access_log(server):
    _, process = server
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output[-2000:]
    assert '"POST /v1/ask HTTP/1.1" 200' in output
