"""The layout keeps its promises: data flows corpus -> retrieval -> bot, and no import cycles.

Checked from the source (every `import`, including ones inside functions and under
TYPE_CHECKING), so a cycle or a backwards import fails here before it confuses a reader.
"""

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("corpus", "retrieval", "bot")
MAY_IMPORT = {"corpus": {"corpus"}, "retrieval": {"corpus", "retrieval"}, "bot": {"corpus", "retrieval", "bot"}}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found["newsbot." + ".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path  # as installed
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (a package import counts as its `__init__`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_data_flows_one_way():
    backwards = [
        (name, target)
        for name, targets in graph().items()
        for target in targets
        if target.split(".")[1] not in MAY_IMPORT[name.split(".")[1]]
    ]
    assert backwards == []


def test_no_module_imports_itself_back():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges.get(name, ())):
            if target.endswith("__init__") or target.removeprefix("newsbot.") in PACKAGES:
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_every_module_is_small_enough_to_read_whole():
    """About 300 lines a module: past that, a module is doing more than one job."""
    too_long = {
        str(path.relative_to(REPO)): lines
        for path in modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 320
    }
    assert too_long == {}


# retrieval's rooms, lowest first: a room imports only rooms before it (and itself)
RETRIEVAL_ROOMS = ("errors", "embedding", "index", "indexing", "reader", "search", "library")


def test_retrieval_s_rooms_import_only_the_rooms_below_them():
    def room(module: str) -> str:
        return module.split(".")[2]

    upwards = [
        (name, target)
        for name, targets in graph().items()
        if name.startswith("newsbot.retrieval.")
        for target in targets
        if target.startswith("newsbot.retrieval.") and RETRIEVAL_ROOMS.index(room(target)) > RETRIEVAL_ROOMS.index(room(name))
    ]
    assert upwards == []


def test_the_faces_use_retrieval_only_through_its_public_face():
    """`bot/` imports `from retrieval import ...`, never a module inside it, so retrieval's
    rooms can move without touching a face."""
    inside = [
        (name, target)
        for name, targets in graph().items()
        if name.startswith("newsbot.bot.")
        for target in targets
        if target.startswith("newsbot.retrieval.")
    ]
    assert inside == []


def test_every_public_name_of_retrieval_resolves():
    import newsbot.retrieval as retrieval

    missing = [name for name in retrieval.__all__ if getattr(retrieval, name, None) is None]
    assert missing == []
