"""The ``bot`` command line: build steps and the web process."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List

import typer

from bot.knowledge import KnowledgeBaseError, load_knowledge_base

app = typer.Typer(help="Tools for the SME cyber guidance assistant.", no_args_is_help=True)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Everything `rasa train` reads. A change to any of these means the model must be retrained.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules.yml", "data/stories.yml",
                   "data/patterns")


def training_fingerprint(root: Path = PROJECT_ROOT, inputs: tuple[str, ...] = TRAINING_INPUTS) -> str:
    digest = hashlib.sha256()
    for name in inputs:
        path = root / name
        files: List[Path] = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes() if file.exists() else b"<missing>")
    return digest.hexdigest()


@app.command("fingerprint")
def fingerprint() -> None:
    """Print a hash of every file that training reads."""
    typer.echo(training_fingerprint())


@app.command("build-spacy")
def build_spacy() -> None:
    """Build the project's spaCy pipeline (blank English + EntityRuler) if patterns changed."""
    from bot.nlp.pipeline import DEFAULT_OUTPUT, build_pipeline

    built = build_pipeline()
    typer.echo(f"{'Built' if built else 'Up to date:'} {DEFAULT_OUTPUT.relative_to(PROJECT_ROOT)}")


@app.command("check-kb")
def check_kb() -> None:
    """Validate the knowledge base and report its size."""
    try:
        kb = load_knowledge_base()
    except KnowledgeBaseError as error:
        typer.echo(f"Knowledge base error: {error}", err=True)
        raise typer.Exit(code=1) from error
    actions = kb.all_actions()
    typer.echo(f"{len(kb.topics)} topics, {len(actions)} actions, "
               f"{sum(a.must_do for a in actions)} must-dos, {len(kb.incidents)} incident types")


@app.command("web")
def web(
    host: str = typer.Option(None, help="Interface to listen on (env WEB_HOST, default 127.0.0.1)"),
    port: int = typer.Option(None, help="Port (env WEB_PORT, default 8000)"),
) -> None:
    """Run the web process."""
    from bot.settings import web_host, web_port
    from bot.web.app import create_app

    create_app().run(host=host or web_host(), port=port or web_port(), access_log=False,
                     motd=False)


if __name__ == "__main__":
    app()
