"""Whether a model named in config.toml can be had, decided before sentence-transformers is asked.

Handed a name that is neither on this machine nor on the Hugging Face hub, sentence-transformers
retries the download five times (about 75 s of "Retrying in 8s" lines) before its error. So the
hub's own cache is looked in first: a model downloaded once loads from it with no network at all.
A name that is not there costs one request to the hub (no retries, `HUB_TIMEOUT` at most), or
none under HF_HUB_OFFLINE, and a name the hub does not know, or a hub out of reach, ends in one
line naming the model and what to do.
"""

from __future__ import annotations

import os

from newsbot.retrieval.errors import RetrievalError

HUB_TIMEOUT = 10.0  # seconds for the one question to the hub
_CACHED_FILES = ("modules.json", "config.json")  # a sentence-transformers model has both
_BUNDLED = "all-MiniLM-L6-v2"
_WHAT_TO_DO = f"check index.model in config.toml (the bundled '{_BUNDLED}' needs no download)"


def hub_names(name: str) -> list[str]:
    """The hub repositories `name` may mean: sentence-transformers reads a name without an owner
    as one of its own models ("all-MiniLM-L6-v2" is "sentence-transformers/all-MiniLM-L6-v2")."""
    return [name] if "/" in name else [name, f"sentence-transformers/{name}"]


def is_cached(name: str) -> bool:
    """Whether the hub cache holds this model, so it loads with no network."""
    from huggingface_hub import try_to_load_from_cache

    for repo in hub_names(name):
        for filename in _CACHED_FILES:
            try:
                if isinstance(try_to_load_from_cache(repo, filename), str):
                    return True
            except (ValueError, OSError):  # not a valid repository name: not cached either
                pass
    return False


def check_downloadable(name: str) -> None:
    """Raise `RetrievalError` unless the hub has `name` and answers now."""
    if _offline():
        raise RetrievalError(
            f"model '{name}' is not on this machine and HF_HUB_OFFLINE is set: unset it to download "
            f"the model once, or {_WHAT_TO_DO}"
        )
    unreachable = None
    for repo in hub_names(name):
        verdict = _ask_hub(repo)
        if verdict is None:
            return
        if verdict != "missing":
            unreachable = verdict
    if unreachable is not None:
        raise RetrievalError(
            f"model '{name}' is not on this machine and the Hugging Face hub cannot be reached "
            f"({unreachable}): connect to the internet once to download it, or {_WHAT_TO_DO}"
        )
    raise RetrievalError(f"model '{name}' is neither a model folder here nor a model on the Hugging Face hub: {_WHAT_TO_DO}")


def _ask_hub(repo: str) -> str | None:
    """None when the hub has `repo`; "missing" when it says it has not; else why it did not answer."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, HFValidationError, RepositoryNotFoundError

    try:
        HfApi().model_info(repo, timeout=HUB_TIMEOUT)
    except GatedRepoError:
        return None  # it exists; loading it says that access must be asked for
    except (RepositoryNotFoundError, HFValidationError):
        return "missing"
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        return "missing" if status in (401, 404) else f"HTTP {status}"
    except Exception as exc:  # the HTTP client's connection errors, whatever its version names them
        return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return None


def _offline() -> bool:
    from huggingface_hub import constants

    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().upper()
    return bool(constants.HF_HUB_OFFLINE) or flag in ("1", "ON", "YES", "TRUE")
