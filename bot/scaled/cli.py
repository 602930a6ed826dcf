"""``bot run-scaled``: the scaled-out topology on one machine, as a rehearsal of many."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from bot.scaled.layout import PROJECT_ROOT, Layout
from bot.scaled.supervisor import Supervisor

DEFAULT_MODEL = PROJECT_ROOT / "models" / "sme-assistant.tar.gz"


def run_scaled(
    directory: str = typer.Option(None, "--dir", help="Where the databases, configuration and "
                                                       "logs live (default var/scaled)"),
    proxy_port: int = typer.Option(None, help="nginx port, the single entry point "
                                              "(env PROXY_PORT, default 8080)"),
    rasa_servers: int = typer.Option(2, min=1, help="How many Rasa servers"),
    action_servers: int = typer.Option(2, min=1, help="How many action servers"),
    rasa_cpus: str = typer.Option("", help="Pin Rasa servers to CPUs with taskset, e.g. '0,1' "
                                           "puts the first on CPU 0 and the second on CPU 1"),
    model: str = typer.Option(None, help="The trained model (default models/sme-assistant.tar.gz)"),
) -> None:
    """Start PostgreSQL, Redis, Rasa and action servers, web, ingestion and nginx; Ctrl-C stops all."""
    root = Path(directory) if directory else PROJECT_ROOT / "var" / "scaled"
    trained = Path(model) if model else DEFAULT_MODEL
    if not trained.exists():
        typer.echo(f"{trained} is missing: run `make train` first", err=True)
        raise typer.Exit(code=1)
    port = proxy_port or int(os.environ.get("PROXY_PORT", "8080"))
    cpus = [cpu.strip() for cpu in rasa_cpus.split(",") if cpu.strip()]
    layout = Layout.create(root, port, rasa_servers, action_servers, cpus)
    raise typer.Exit(code=Supervisor(layout, trained.resolve()).run())
