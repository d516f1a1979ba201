"""Reading config.toml strictly: every key known, typed and turned into absolute paths.

A typo in a config key silently falling back to a default is the kind of bug that costs an
admin an afternoon, so unknown keys and wrong types are errors naming the key.

Why our own checks rather than a validation library (pydantic is installed anyway, through
typer): the schema is a dozen keys in five sections, and what an admin needs is one line that
names the file, `section.key`, the allowed range and the known keys, e.g.
`config.toml: search.min_relevance must be between 0.0 and 1.0, not 5.0` or `unknown key
'min_relevanse' in [search] (known: top_k, ...)`. pydantic (strict, extra="forbid") says
`1 validation error for Search / min_relevance / Input should be less than or equal to 1
[type=less_than_equal, ...] For further information visit https://errors.pydantic.dev/...`
over four lines, without the file or the known keys, so it would need a translation layer
as long as these checks, and a second description of every section beside `Config`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsbot.bot.settings import Setting, sections
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval import SearchSettings

CONFIG_ENV = "NEWSBOT_CONFIG"


class ConfigError(Exception):
    """The config file is missing, unreadable or names a key newsbot does not know."""


@dataclass(frozen=True)
class DiscordSettings:
    test_guild: int
    reindex_role: str
    cooldown_seconds: float


@dataclass(frozen=True)
class FeedSettings:
    file: Path  # the followed feeds (`newsbot feeds`), kept beside config.toml: the index is disposable
    update_minutes: int  # the Discord bot's feed update interval; 0 = off
    allow_private_addresses: bool  # fetch from this machine or the local network (off: a feed cannot point inside)

    def fetch_policy(self):
        from newsbot.corpus.web.fetching import FetchPolicy

        return FetchPolicy(allow_private_addresses=self.allow_private_addresses)


@dataclass(frozen=True)
class ServeSettings:
    """`newsbot serve`: where it listens and what it allows (tokens may also come from the
    environment, so they need not sit in a file others can read; see `bot/serve/guards.py`)."""

    host: str
    port: int
    api_token: str  # "" = asking is open; required when bound beyond this machine
    admin_token: str  # "" = admin actions (add, remove, reindex, feeds update) are off
    requests_per_minute: int  # per client, questions and admin actions alike
    max_request_bytes: int
    workers: int  # questions answered at once (threads); more wait in line
    conversation_minutes: int
    max_conversations: int


@dataclass(frozen=True)
class Config:
    path: Path
    corpus_dirs: tuple[Path, ...]
    index_dir: Path
    model: str
    search: SearchSettings
    paragraphs: ParagraphRules
    discord: DiscordSettings
    feeds: FeedSettings
    serve: ServeSettings


_SCHEMA = sections()
_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", list: "a list", bool: "true or false"}


def default_config_path() -> Path:
    """--config aside: $NEWSBOT_CONFIG, else ./config.toml, else the user's config folder.

    Never the checkout's or the installed package's own config: a command run in a folder
    with no config would answer from that corpus and `add` would write into it. When nothing
    is found the error lists where it looked and what to run, as docs/configuration.md promises.
    """
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    from platformdirs import user_config_path

    candidates = [Path("config.toml"), user_config_path("newsbot") / "config.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(c.absolute()) for c in candidates)
    raise ConfigError(f"no config.toml found (looked in {looked}): run newsbot init")


def load_config(path: Path | None = None) -> Config:
    path = Path(path) if path is not None else default_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    values = _validated(raw, path)
    base = path.resolve().parent
    return Config(
        path=path.resolve(),
        corpus_dirs=tuple(_resolve(base, d) for d in values["corpus"]["dirs"]),
        index_dir=_resolve(base, values["index"]["dir"]),
        model=values["index"]["model"],
        search=SearchSettings(**values["search"]),
        paragraphs=ParagraphRules(**values["paragraphs"], max_article_bytes=values["corpus"]["max_article_bytes"]),
        discord=DiscordSettings(**values["discord"]),
        feeds=FeedSettings(
            file=_resolve(base, values["feeds"]["file"]),
            update_minutes=values["feeds"]["update_minutes"],
            allow_private_addresses=values["feeds"]["allow_private_addresses"],
        ),
        serve=ServeSettings(**values["serve"]),
    )


def _validated(raw: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    for section in raw:
        if section not in _SCHEMA:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(_SCHEMA)})")
    values: dict[str, dict[str, Any]] = {}
    for section, keys in _SCHEMA.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
        for key in table:
            if key not in keys:
                raise ConfigError(
                    f"{path}: unknown key '{key}' in [{section}] (known: {', '.join(keys)})"
                )
        values[section] = {key: _typed(table.get(key, setting.default), setting, path) for key, setting in keys.items()}
    if not values["corpus"]["dirs"] or not all(isinstance(d, str) for d in values["corpus"]["dirs"]):
        raise ConfigError(f"{path}: corpus.dirs must be a non-empty list of folder paths")
    for keys in _SCHEMA.values():
        for setting in keys.values():
            _check_range(values[setting.section][setting.key], setting, path)
    paragraphs = values["paragraphs"]
    if paragraphs["max_chars"] <= paragraphs["min_chars"]:
        raise ConfigError(
            f"{path}: paragraphs.max_chars must be more than paragraphs.min_chars "
            f"({paragraphs['min_chars']}), not {paragraphs['max_chars']}"
        )
    return values


def _check_range(value: float, setting: Setting, path: Path) -> None:
    low, high, name = setting.low, setting.high, setting.name
    if low is not None and high is None and value < low:
        raise ConfigError(f"{path}: {name} must be at least {low}, not {value}")
    if low is not None and high is not None and not low <= value <= high:
        raise ConfigError(f"{path}: {name} must be between {low} and {high}, not {value}")


def _typed(value: Any, setting: Setting, path: Path) -> Any:
    kind = setting.kind
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{path}: {setting.name} must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {value!r}")
    return value


def _resolve(base: Path, value: str) -> Path:
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base / candidate
