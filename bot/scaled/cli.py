"""``bot run-scaled``: the scaled-out topology on one machine, as a rehearsal of many."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from bot import settings
from bot.paths import PROJECT_ROOT
from bot.scaled.layout import Layout
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
    port = proxy_port or settings.positive_int("PROXY_PORT", 8080)
    cpus = [cpu.strip() for cpu in rasa_cpus.split(",") if cpu.strip()]
    layout = Layout.create(root, port, rasa_servers, action_servers, cpus)
    raise typer.Exit(code=Supervisor(layout, trained.resolve()).run())


RASA_OPTION = typer.Option(..., "--rasa", help="A Rasa server, host:port (repeat for each)")
WEB_OPTION = typer.Option(..., "--web", help="A web process, host:port (repeat for each)")
ACTIONS_OPTION = typer.Option(None, "--actions", help="An action server, host:port (repeat)")


def nginx_config(
    rasa: List[str] = RASA_OPTION,
    web: List[str] = WEB_OPTION,
    actions: List[str] = ACTIONS_OPTION,
    actions_listen: str = typer.Option("", help="Internal address:port where the Rasa servers "
                                                "reach the action servers (their ACTION_SERVER_URL)"),
    server_name: str = typer.Option("_", help="The public host name, e.g. chat.example.org"),
    listen: str = typer.Option("443", help="Public address:port (or port)"),
    tls_certificate: str = typer.Option("", help="TLS certificate chain file (PEM)"),
    tls_key: str = typer.Option("", help="Its private key file (PEM)"),
    http_listen: str = typer.Option("80", help="With TLS: the plain-HTTP port that redirects"),
    access_log: str = typer.Option("off", help="nginx access_log value, e.g. "
                                               "'/var/log/nginx/sme-assistant.log'"),
) -> None:
    """Print the nginx routing for real machines (for /etc/nginx/conf.d/), as rehearsed."""
    from bot.scaled.nginx import NginxConfigError, Site, site_config

    site = Site(rasa_servers=list(rasa), web_servers=list(web), listen=listen,
                action_servers=list(actions or []), actions_listen=actions_listen,
                server_name=server_name, tls_certificate=tls_certificate,
                tls_certificate_key=tls_key, http_listen=http_listen, access_log=access_log)
    try:
        typer.echo(site_config(site), nl=False)
    except NginxConfigError as error:
        typer.echo(f"Cannot write the configuration: {error}", err=True)
        raise typer.Exit(code=2) from error
