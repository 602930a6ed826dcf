"""The files a deployer uses as they are: nginx routing for real machines and systemd units."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest
import trustme

from bench.procs import free_port
from bot.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
BOT = Path(sys.executable).parent / "bot"
NGINX = Path("/usr/sbin/nginx")
UNITS = ROOT / "deploy" / "systemd"


def _nginx_config(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BOT), "nginx-config", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_production_routing_with_tls_is_accepted_by_nginx(tmp_path):
    if not NGINX.exists():
        pytest.fail("nginx not found: apt-get install nginx", pytrace=False)
    authority = trustme.CA()
    certificate = authority.issue_cert("chat.example.org")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    certificate.private_key_pem.write_to_path(str(key))
    certificate.cert_chain_pems[0].write_to_path(str(chain))
    result = _nginx_config(
        "--server-name", "chat.example.org", "--tls-certificate", str(chain), "--tls-key", str(key),
        "--listen", f"127.0.0.1:{free_port()}", "--http-listen", f"127.0.0.1:{free_port()}",
        "--rasa", "10.0.1.11:5005", "--rasa", "10.0.1.12:5005", "--web", "10.0.1.20:8000",
        "--actions", "10.0.1.11:5055", "--actions", "10.0.1.12:5055",
        "--actions-listen", f"127.0.0.1:{free_port()}")
    assert result.returncode == 0, result.stderr
    site = result.stdout
    assert "ssl_certificate " + str(chain) in site
    assert "return 301 https://" in site
    assert site.count("server 10.0.1.1") == 4  # two Rasa servers and two action servers
    # Only the REST webhook of the Rasa servers is routed: no /model, /conversations, /status.
    assert site.count("proxy_pass http://sme_rasa_servers") == 1
    assert "location = /webhooks/rest/webhook" in site
    # Staff sign-in is rate-limited per client address before it reaches the web process.
    assert "limit_req zone=sme_staff_login" in site and "location = /staff/login" in site

    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    check = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                            "-e", str(tmp_path / "error.log")],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr


def test_nginx_config_refuses_half_a_tls_setup():
    result = _nginx_config("--rasa", "10.0.1.11:5005", "--web", "10.0.1.20:8000",
                           "--tls-certificate", "/etc/ssl/chain.pem")
    assert result.returncode == 2
    assert "TLS needs both a certificate and its key" in result.stderr


@pytest.mark.parametrize("unit", sorted(p.name for p in UNITS.glob("*.service")))
def test_units_run_the_commands_the_makefile_runs(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(UNITS / unit)
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/sme-assistant/env"
    assert service["User"] == "sme-assistant"
    command = service["ExecStart"]
    expected = {
        "sme-rasa.service": "rasa run --model models/sme-assistant.tar.gz",
        "sme-actions.service": "rasa run actions",
        "sme-web.service": "bot web",
        "sme-ingest.service": "bot ingest --follow",
        "sme-purge.service": "bot purge",
        "sme-reminders.service": "bot reminders",
        "sme-monthly-report.service": "bot monthly-report --email",
    }[unit]
    assert expected in command
    if unit == "sme-rasa.service":
        # Rasa's HTTP API only with a token, exactly as the Procfile starts it.
        assert "$${RASA_API_TOKEN:+--enable-api --auth-token" in command


def test_environment_example_sets_every_variable_endpoints_yml_reads():
    import re

    needed = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.yml").read_text()))
    example = (UNITS / "sme-assistant.env.example").read_text()
    present = set(re.findall(r"^(\w+)=", example, flags=re.M))
    assert needed and needed <= present


@pytest.mark.parametrize("unit", sorted(p.name for p in UNITS.glob("*.service")))
def test_background_work_yields_the_cpu_to_the_servers(unit):
    """Under full load analytics may lag, but replies must not wait for it."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(UNITS / unit)
    niceness = int(parser["Service"].get("Nice", "0"))
    if unit in ("sme-ingest.service", "sme-purge.service", "sme-reminders.service",
                "sme-monthly-report.service"):
        assert niceness >= 10
    else:
        assert niceness == 0


def test_environment_example_binds_every_server_to_a_private_address():
    """The example is copied as it is: no process may listen on every interface or a public one."""
    import ipaddress
    import re

    example = (UNITS / "sme-assistant.env.example").read_text()
    binds = dict(re.findall(r"^(RASA_INTERFACE|ACTION_INTERFACE|WEB_HOST)=(\S+)", example, flags=re.M))
    assert set(binds) == {"RASA_INTERFACE", "ACTION_INTERFACE", "WEB_HOST"}
    for name, value in binds.items():
        address = ipaddress.ip_address(value)
        assert (address.is_private or address.is_loopback) and not address.is_unspecified, name
