"""Each setting is declared once (`bot/settings.py`); everything else that names it is held
to that declaration here: retrieval's defaults, config.toml, the init template, the README."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from newsbot.bot.settings import SETTINGS, sections
from newsbot.retrieval import SearchSettings
from tests.conftest import REPO

TOML_FILES = [REPO / "config.toml", REPO / "bot" / "config_template.toml"]


def test_retrieval_s_search_defaults_are_the_declared_ones():
    fields = {f.name: f.default for f in dataclasses.fields(SearchSettings)}
    for setting in sections()["search"].values():
        assert fields[setting.key] == setting.default, setting.name


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: p.name)
def test_the_toml_files_set_each_setting_to_its_default_or_show_it_commented(path):
    text = path.read_text(encoding="utf-8")
    values = tomllib.loads(text)
    assert set(values) <= set(sections()), "only declared sections"
    for setting in SETTINGS:
        table = values.get(setting.section, {})
        if setting.key in table:
            assert table[setting.key] == setting.default, f"{path.name}: {setting.name}"
        else:  # shown commented out, with its default
            commented = re.search(rf"^# ?{setting.key} = (.+)$", text, flags=re.M)
            assert commented, f"{path.name} does not mention {setting.name}"
            assert tomllib.loads(f"x = {commented.group(1)}")["x"] == setting.default, setting.name


def test_the_readme_table_gives_each_declared_default():
    readme = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = None
    seen = {}
    for row in re.findall(r"^\| (`\[\w+\]`|) *\| (`[^|]+`) \| ([^|]+) \|", readme, flags=re.M):
        section = row[0].strip("`[]") or section
        keys = re.findall(r"`(\w+)`", row[1])
        defaults = re.findall(r"`([^`]+)`", row[2])
        for key, default in zip(keys, defaults):
            seen[f"{section}.{key}"] = tomllib.loads(f"x = {default}")["x"]
    for setting in SETTINGS:
        assert setting.name in seen, f"{setting.name} is not in the README's table"
        assert seen[setting.name] == setting.default, setting.name


def test_a_declared_range_holds_its_default():
    for setting in SETTINGS:
        if setting.low is not None:
            assert setting.default >= setting.low, setting.name
        if setting.high is not None:
            assert setting.default <= setting.high, setting.name


def test_the_paragraph_rules_defaults_are_the_declared_ones():
    from newsbot.corpus.paragraphs import ParagraphRules

    fields = {f.name: f.default for f in dataclasses.fields(ParagraphRules)}
    for setting in sections()["paragraphs"].values():
        assert fields[setting.key] == setting.default, setting.name
    assert fields["max_article_bytes"] == sections()["corpus"]["max_article_bytes"].default
