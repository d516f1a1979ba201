"""Followed feeds on the real bot against simcord, the feed served by a loopback site:
admins manage them with /feeds, and the scheduled update brings a new article in without a restart."""

from __future__ import annotations

import pytest

from newsbot.bot.config import load_config
from newsbot.corpus.web.pages import stored_name
from tests.corpus.pages_html import rss, story_page
from tests.corpus.web_server import LoopbackServer, Route
from tests.discord_support import fake_library, running, write_config
from tests.fakes import FAKE_MODEL

pytestmark = pytest.mark.asyncio

HARBOUR = [
    "The harbour council banned parking on the quay from Monday, citing damage to the old stones.",
    "Fishermen said the ban would make it harder to unload their catch before the morning market.",
]


@pytest.fixture
def site():
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def following(tmp_path):
    """A fake-model library whose config follows feeds every minute, loopback addresses allowed."""
    path = write_config(tmp_path, FAKE_MODEL)
    with open(path, "a", encoding="utf-8") as config:
        config.write("[feeds]\nupdate_minutes = 1\nallow_private_addresses = true\n")
    config = load_config(path)
    return fake_library(config), config


def _serve_feed(site, items) -> str:
    site.routes["/feed"] = Route(rss("Loopback Daily", items), content_type="application/rss+xml")
    return site.url("/feed")


async def test_a_followed_feeds_new_article_is_answered_without_a_restart(following, site):
    feed = _serve_feed(site, [])
    async with running(*following, follow_feeds=True) as world:
        added = await world.owner.slash(world.channel, "feeds add", url=feed)
        site.routes["/harbour"] = Route(story_page("Quay parking banned", HARBOUR))
        _serve_feed(site, [("Quay parking banned", site.url("/harbour"))])
        await world.env.advance_time(61)  # the next scheduled update
        answer = await world.ask(world.alice, "which council banned parking on the quay?")
    assert added.response.content == f"✅ Following <{feed}> (Loopback Daily): 0 entries. They are read at the next update."
    first = answer.response.embeds[0].fields[0]
    assert f"`{stored_name(site.url('/harbour'))}`" in first.value


async def test_feeds_update_reads_them_now_and_says_what_it_did(following, site):
    site.routes["/harbour"] = Route(story_page("Quay parking banned", HARBOUR))
    feed = _serve_feed(site, [("Quay parking banned", site.url("/harbour")), ("Gone", site.url("/gone"))])
    async with running(*following, follow_feeds=True) as world:
        await world.owner.slash(world.channel, "feeds add", url=feed)
        result = await world.owner.slash(world.channel, "feeds update")
    assert result.ephemeral
    lines = result.response.content.splitlines()
    assert lines[0] == "✅ Feeds read: 1 new, 0 already stored, 1 failed."
    assert lines[1].startswith("Index rebuilt: 1 added, 0 updated, 0 removed, 2 unchanged;")
    assert lines[2:4] == ["Failed:", f"• {site.url('/gone')}: HTTP 404 Not Found: no page at this address; check it"]


async def test_feeds_list_and_remove(following, site):
    feed = _serve_feed(site, [])
    async with running(*following, follow_feeds=True) as world:
        await world.owner.slash(world.channel, "feeds add", url=feed)
        listed = await world.owner.slash(world.channel, "feeds list")
        removed = await world.owner.slash(world.channel, "feeds remove", url=feed)
        empty = await world.owner.slash(world.channel, "feeds list")
    assert listed.response.content == f"Followed feeds (1):\n• Loopback Daily <{feed}>, 0 entries read"
    assert removed.response.content == f"✅ No longer following <{feed}>; its articles stay in the corpus."
    assert empty.response.content == "No feeds followed yet: add one with `/feeds add`."


async def test_a_page_that_is_not_a_feed_is_refused_by_name(following, site):
    site.routes["/page"] = Route(story_page("Quay parking banned", HARBOUR))
    async with running(*following, follow_feeds=True) as world:
        result = await world.owner.slash(world.channel, "feeds add", url=site.url("/page"))
        listed = await world.owner.slash(world.channel, "feeds list")
    assert result.response.content.startswith(f"⚠️ {site.url('/page')}: a web page, not an RSS or Atom feed")
    assert listed.response.content == "No feeds followed yet: add one with `/feeds add`."


async def test_feeds_are_refused_to_a_manager_who_is_neither_owner_nor_in_the_role(following):
    async with running(*following, follow_feeds=True) as world:
        result = await world.manager.slash(world.channel, "feeds list")
    assert result.ephemeral
    assert result.response.content == (
        "🔒 Only the bot's owner or members with the “newsbot-admin” role can manage the followed feeds."
    )


async def test_feeds_are_hidden_from_plain_members(following):
    async with running(*following, follow_feeds=True) as world:
        assert "feeds add" not in world.alice.available_commands(world.channel)
        assert "feeds add" in world.owner.available_commands(world.channel)
