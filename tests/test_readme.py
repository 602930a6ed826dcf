"""The README stays in step with the code: every setting, command and make target is in it.

A variable the code reads but the configuration table omits is a setting nobody can find;
a command or target the layout table omits is one the next engineer will not know exists.
As datasette does for its settings, the lists are taken from the code itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator

import click
import typer.main

from bot.cli import app
from bot.paths import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
CODE_FOLDERS = ("bot", "actions", "bench")
# Files outside Python that read variables when a process starts.
CONFIG_FILES = ("endpoints.yml", "credentials.yml", "Procfile")
# The readers in bot/settings.py, and the standard library's.
SETTINGS_READERS = {"text", "positive_int", "non_negative_int"}
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Documented because they matter here, but read by a library rather than by our code.
READ_BY_LIBRARIES = {"SANIC_PROXIES_COUNT": "Sanic loads every SANIC_* variable into its config"}


def section(title: str) -> str:
    """The README's text under the ``## title`` heading, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def documented_variables() -> set[str]:
    """Every variable named in the first column of the README's configuration table."""
    names: set[str] = set()
    for line in section("Configuration").splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(n for n in re.findall(r"`([^`]+)`", first_cell) if NAME.match(n))
    return names


def python_files() -> Iterator[Path]:
    for folder in CODE_FOLDERS:
        yield from sorted((PROJECT_ROOT / folder).rglob("*.py"))


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            constants[node.targets[0].id] = node.value.value
    return constants


def _reader_name(call: ast.Call) -> str | None:
    """``text``/``settings.text``/``os.getenv``/``os.environ.get``... as one word, else None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in SETTINGS_READERS | {"getenv"}:
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id == "settings" and func.attr in SETTINGS_READERS:
            return func.attr
        if isinstance(owner, ast.Name) and owner.id == "os" and func.attr == "getenv":
            return "getenv"
        if (isinstance(owner, ast.Attribute) and owner.attr == "environ"
                and func.attr in {"get", "setdefault", "pop"}):
            return "environ"
    return None


def variables_read(path: Path) -> tuple[set[str], list[str]]:
    """Names of the variables a module reads, and the reads whose name it cannot tell."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = _module_constants(tree)
    names = {value for key, value in constants.items() if key.endswith("_ENV") and NAME.match(value)}
    unknown: list[str] = []
    parameters = {arg.arg for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for arg in node.args.args}
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and _reader_name(node) and node.args:
            key = node.args[0]
        elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
              and node.value.attr == "environ" and isinstance(node.ctx, ast.Load)):
            key = node.slice
        if key is None:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        elif isinstance(key, ast.Name) and key.id in constants:
            names.add(constants[key.id])
        elif not (isinstance(key, ast.Name) and key.id in parameters):
            unknown.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return names, unknown


def code_variables() -> dict[str, str]:
    """Every variable the code and the process files read, with one place that reads it."""
    found: dict[str, str] = {}
    for path in python_files():
        names, _ = variables_read(path)
        for name in names:
            found.setdefault(name, str(path.relative_to(PROJECT_ROOT)))
    for config in CONFIG_FILES:
        text = (PROJECT_ROOT / config).read_text(encoding="utf-8")
        for name in re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text):
            found.setdefault(name, config)
    return found


def test_every_variable_the_code_reads_is_in_the_configuration_table() -> None:
    missing = {name: where for name, where in code_variables().items() if name not in documented_variables()}
    assert not missing, f"add these to the README's configuration table: {missing}"


def test_every_read_names_its_variable_where_this_test_can_see_it() -> None:
    unknown = [place for path in python_files() for place in variables_read(path)[1]]
    assert not unknown, f"read environment variables by a literal name or a module constant: {unknown}"


def test_every_row_of_the_configuration_table_is_still_used() -> None:
    """A row for a variable nothing reads any more sends a reader looking for nothing."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in python_files())
    sources += "\n".join((PROJECT_ROOT / f).read_text(encoding="utf-8")
                         for f in (*CONFIG_FILES, "Makefile"))
    unused = sorted(name for name in documented_variables() - READ_BY_LIBRARIES.keys() if name not in sources)
    assert not unused, f"the README documents variables nothing mentions: {unused}"


def test_the_reader_finds_variables_in_each_way_the_code_reads_them(tmp_path: Path) -> None:
    """The scan itself: literal names, module constants and ``*_ENV`` constants all count."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'import os\nfrom bot import settings\nA_ENV = "FROM_CONSTANT_ENV"\nB = "FROM_CONSTANT"\n'
        'def f(name):\n    return settings.text(name)\n'
        'x = settings.positive_int("FROM_LITERAL", 1)\ny = os.environ.get(B)\n'
        'z = os.environ["FROM_SUBSCRIPT"]\nw = os.getenv(f())\n', encoding="utf-8")
    original = variables_read.__globals__["PROJECT_ROOT"]
    variables_read.__globals__["PROJECT_ROOT"] = tmp_path
    try:
        names, unknown = variables_read(sample)
    finally:
        variables_read.__globals__["PROJECT_ROOT"] = original
    assert names == {"FROM_CONSTANT_ENV", "FROM_CONSTANT", "FROM_LITERAL", "FROM_SUBSCRIPT"}
    assert unknown == ["sample.py:10"]


def bot_commands() -> list[str]:
    """Every command of ``bot --help``, with each group's subcommands as ``group sub``."""
    root = typer.main.get_command(app)
    assert isinstance(root, click.Group)
    names: list[str] = []
    for name, command in root.commands.items():
        if isinstance(command, click.Group):
            names.extend(f"{name} {sub}" for sub in command.commands)
        else:
            names.append(name)
    return names


def test_the_layout_lists_every_bot_command() -> None:
    layout = section("Layout")
    rows = [line for line in layout.splitlines() if line.startswith("| `bot ")]
    missing = []
    for command in bot_commands():
        group, _, sub = command.partition(" ")
        if sub:
            listed = any(f"`bot {group} " in row and f"`{sub}`" in row.replace(f"bot {group} ", "")
                         for row in rows)
        else:
            listed = any(re.search(rf"`bot {re.escape(group)}[` ]", row) for row in rows)
        if not listed:
            missing.append(command)
    assert not missing, f"add these `bot` commands to the README's layout section: {missing}"


def make_targets() -> set[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    return {match for match in re.findall(r"^([a-z][a-z0-9-]*):(?!=)", makefile, re.M)}


def test_the_layout_lists_every_make_target() -> None:
    layout = section("Layout")
    missing = sorted(t for t in make_targets() if f"`make {t}`" not in layout)
    assert not missing, f"add these make targets to the README's layout section: {missing}"


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to -."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def test_every_link_between_the_readme_and_docs_leads_somewhere() -> None:
    """The manual moved into docs/; a link left pointing at the old place is a dead end."""
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target}")
            elif (anchor and linked.suffix == ".md"
                  and anchor not in _anchors(linked.read_text(encoding="utf-8"))):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, f"dead links: {broken}"


def test_the_contents_list_every_page_in_docs() -> None:
    contents = section("Contents")
    missing = sorted(p.name for p in (PROJECT_ROOT / "docs").iterdir()
                     if p.suffix in {".md", ".json"} and f"(docs/{p.name})" not in contents)
    assert not missing, f"add these to the README's contents: {missing}"
