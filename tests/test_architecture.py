"""The layering docs/architecture.md describes, checked on the source itself.

The guidance core must stay usable without the record, the web or Rasa; modules stay small
enough to read in one sitting; and nothing imports in a circle, so each package can be
understood (and tested) from the bottom up. The import graph is read with ``ast``, so a
test fails before anything is imported.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from bot.paths import PROJECT_ROOT

BOT = PROJECT_ROOT / "bot"
MAX_LINES = 500
# Modules allowed over MAX_LINES, each with its reason. A data table is a module that is
# mostly literal data; anything else here is work still to do, and the test below fails
# once the module is short enough, so the entry is removed with the split.
LONG_MODULES: dict[str, str] = {}
# Where Rasa and rasa-sdk may be imported in bot/: the adapters, each plugged into Rasa by
# config.yml, endpoints.yml or credentials.yml. Everything else in bot/ is plain Python.
RASA_ADAPTERS = {
    "bot/channels/rest.py": "the guarded REST input channel (credentials.yml)",
    "bot/channels/redelivery.py": "replaying the replies of a message already handled",
    "bot/channels/rasa_patches.py": "patches to Rasa's action-server client",
    "bot/locking/rasa_store.py": "the shared lock store (endpoints.yml)",
    "bot/storage/rasa_tracker_store.py": "the tracker store subclass (endpoints.yml)",
    "bot/nlp/classifier.py": "the intent classifier component (config.yml)",
    "bot/nlp/count_vectors.py": "the sentence-only count featurizer component (config.yml)",
    "bot/nlp/crf_extractor.py": "the CRF entity extractor component (config.yml)",
    "bot/nlp/regex_features.py": "the regex featurizer component (config.yml)",
    "bot/nlp/spacy_entities.py": "the spaCy entity extractor component (config.yml)",
    "bot/nlp/featurizer.py": "the sentence-embedding featurizer component (config.yml)",
    "bot/nlp/answer_selector.py": "the answer selector component (config.yml)",
}
# Packages the guidance core must not import: it knows nothing of the record or the ways in.
GUIDANCE_MUST_NOT_IMPORT = ("bot.analytics", "bot.storage", "bot.web", "bot.channels", "bot.plans",
                            "bot.scaled", "bot.locking", "bot.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(BOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _deferred(node: ast.AST) -> bool:
    """Code that does not run when the module loads: function bodies, ``if TYPE_CHECKING``."""
    if isinstance(node, ast.If):
        return _is_type_checking(node)
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)


def _imports(node: ast.AST, module: str, is_package: bool, top_level_only: bool) -> set[str]:
    """Absolute names imported under ``node``; ``top_level_only`` skips function bodies."""
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            found.update(alias.name for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (child.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in child.names)
        elif isinstance(child, ast.If) and _is_type_checking(child):
            continue  # imports for type checkers only: they never run, so close no circle
        elif not (top_level_only and _deferred(child)):
            found |= _imports(child, module, is_package, top_level_only)
    return found


@cache
def imports_of(module: str, top_level_only: bool) -> frozenset[str]:
    """Every name ``module`` imports (functions' bodies included unless ``top_level_only``)."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(_imports(tree, module, path.name == "__init__.py", top_level_only))


def import_graph(top_level_only: bool) -> dict[str, set[str]]:
    """Which modules of bot/ each module imports.

    ``from bot.x import y`` counts as importing ``bot.x.y`` when y is a module, and
    ``bot.x`` itself. Edges to a module's own parent packages are left out: Python loads
    a package before its modules, so ``from bot import settings`` inside ``bot.checks``
    closes no circle.
    """
    known = modules()
    graph: dict[str, set[str]] = {}
    for module in known:
        parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        graph[module] = {name for name in imports_of(module, top_level_only)
                         if name in known and name != module and name not in parents}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph``, as the modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle_when_bot_modules_load() -> None:
    cycle = find_cycle(import_graph(top_level_only=True))
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


#: Imports inside functions that close a circle, allowed for now, each with its reason.
#: Building the encoder's files distils the word-piece table with static_vectors, which
#: reads the table's file name from encoder_assets. Moving TABLE_FILE would change
#: static_vectors.py, whose hash stamps the table, and so re-distil it on every checkout.
#: The answer files' checker (``bot check-answers``) loads the topics to check step ids
#: and reading ease, while the loader takes the contact type from the answers' module.
DEFERRED_CYCLE_EDGES = {("bot.nlp.encoder_assets", "bot.nlp.static_vectors"),
                        ("bot.guidance.knowledge.answers", "bot.guidance.knowledge.loader")}


def test_no_import_cycle_even_through_imports_inside_functions() -> None:
    """A deferred import that closes a circle hides a dependency the layering forbids."""
    graph = import_graph(top_level_only=False)
    stale = sorted(edge for edge in DEFERRED_CYCLE_EDGES if edge[1] not in graph.get(edge[0], set()))
    assert not stale, f"these imports are gone; remove them from DEFERRED_CYCLE_EDGES: {stale}"
    for importer, imported in DEFERRED_CYCLE_EDGES:
        graph[importer].discard(imported)
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check itself: a graph with a cycle is reported, module by module."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) is None


def test_the_graph_sees_relative_and_deferred_imports() -> None:
    graph = import_graph(top_level_only=False)
    assert "bot.guidance.profile" in graph["bot.guidance.tailoring"]
    assert "bot.settings" in graph["bot.checks.limits"]


def test_no_module_in_bot_is_over_500_lines_other_than_the_listed_ones() -> None:
    lengths = {str(path.relative_to(PROJECT_ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in modules().values()}
    too_long = {path: n for path, n in lengths.items() if n > MAX_LINES and path not in LONG_MODULES}
    assert not too_long, f"split these modules (at most {MAX_LINES} lines): {too_long}"
    stale = sorted(path for path in LONG_MODULES if lengths.get(path, 0) <= MAX_LINES)
    assert not stale, f"these are short enough now; remove them from LONG_MODULES: {stale}"


def _imports_package(module: str, packages: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imports_of(module, top_level_only=False)
                  if any(name == p or name.startswith(p + ".") for p in packages))


def test_the_guidance_core_knows_nothing_of_the_record_or_the_ways_in() -> None:
    offending = {module: names for module in modules() if module.startswith("bot.guidance")
                 if (names := _imports_package(module, GUIDANCE_MUST_NOT_IMPORT))}
    assert not offending, f"bot/guidance must stay plain: {offending}"


def test_nothing_in_bot_imports_the_action_server() -> None:
    """actions/ adapts bot/ to rasa-sdk; the other way round would tie bot/ to the action server."""
    offending = {module: names for module in modules() if (names := _imports_package(module, ("actions",)))}
    assert not offending, f"bot/ must not import actions/: {offending}"


def test_rasa_is_imported_only_by_the_listed_adapters() -> None:
    importing = {str(path.relative_to(PROJECT_ROOT)) for module, path in modules().items()
                 if _imports_package(module, ("rasa", "rasa_sdk"))}
    assert importing == set(RASA_ADAPTERS), (
        f"not listed as adapters: {sorted(importing - set(RASA_ADAPTERS))}; "
        f"listed but importing no Rasa: {sorted(set(RASA_ADAPTERS) - importing)}")


def test_every_listed_adapter_is_named_in_the_architecture_page() -> None:
    page = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(path for path in RASA_ADAPTERS if f"`{path}`" not in page)
    assert not missing, f"docs/architecture.md should say where each Rasa adapter lives: {missing}"


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def code_package_edges() -> set[tuple[str, str]]:
    """Which package imports which, in bot/ and actions/ (bot/paths and bot/settings left out)."""
    graph = import_graph(top_level_only=False)
    for path in sorted((PROJECT_ROOT / "actions").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module_name(path)] = {n for n in _imports(tree, module_name(path), False, False)
                                    if n in modules()}
    base = {"bot.paths", "bot.settings"}
    return {(_package(a), _package(b)) for a, targets in graph.items() for b in targets
            if _package(a) != _package(b) and _package(b) not in base}


def drawn_package_edges() -> set[tuple[str, str]]:
    """The arrows of the package picture in docs/architecture.md (node ids are module names
    with ``_`` for ``.``)."""
    page = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = page.split("## The packages", 1)[1].split("```", 2)[1]
    return {(a.replace("_", ".", 1), b.replace("_", ".", 1))
            for a, b in re.findall(r"^\s*(\w+) --> (\w+)\s*$", picture, re.M)}


def test_the_package_picture_in_the_architecture_page_is_true() -> None:
    code, drawn = code_package_edges(), drawn_package_edges()
    assert not code - drawn, f"draw these imports in docs/architecture.md: {sorted(code - drawn)}"
    assert not drawn - code, f"these arrows are no longer true: {sorted(drawn - code)}"
