"""nginx configuration from the templates in ``deploy/nginx/``, for the rehearsal and real machines.

One routing template (``site.conf.j2``) serves both, so what the tests rehearse on one
machine is what a deployer installs: ``bot run-scaled`` wraps it in a complete nginx
configuration of its own; ``bot nginx-config`` prints it for ``/etc/nginx/conf.d/``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.paths import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx"


class NginxConfigError(ValueError):
    """The site description cannot make a working configuration."""


@dataclass
class Site:
    """What the routing template needs: who to send what to, and where to listen."""

    rasa_servers: list[str]
    web_servers: list[str]
    listen: str
    action_servers: list[str] = field(default_factory=list)
    actions_listen: str = ""
    server_name: str = "_"
    tls_certificate: str = ""
    tls_certificate_key: str = ""
    http_listen: str = "80"
    access_log: str = "off"

    def check(self) -> None:
        if not self.rasa_servers:
            raise NginxConfigError("give at least one Rasa server (host:port)")
        if not self.web_servers:
            raise NginxConfigError("give at least one web process (host:port)")
        if bool(self.tls_certificate) != bool(self.tls_certificate_key):
            raise NginxConfigError("TLS needs both a certificate and its key")
        if self.actions_listen and not self.action_servers:
            raise NginxConfigError("an actions listener needs at least one action server")


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       keep_trailing_newline=True,
                       autoescape=False)  # noqa: S701 - nginx configuration, not HTML


def site_config(site: Site) -> str:
    """The routing part: upstreams and servers, for nginx's http block."""
    site.check()
    return _environment().get_template("site.conf.j2").render(**asdict(site))


def rehearsal_config(site: Site, prefix: str, run_as: str | None) -> str:
    """A complete configuration whose pid file, logs and temporary files are under ``prefix``."""
    site.check()
    return _environment().get_template("rehearsal.conf.j2").render(
        prefix=prefix, run_as=run_as, worker_processes=1, **asdict(site))
