"""Which TLS versions a web server accepts, tried one version at a time with Python's ssl.

Each attempt pins the lowest and highest version to the same one. TLS 1.0 and 1.1 need
OpenSSL's security level 0 on the client side, or OpenSSL refuses to offer them at all.
Certificates are not judged here (the fetch does that): the question is only which
versions the server agrees to.
"""

from __future__ import annotations

import ssl
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from bot.checks.address_policy import AddressRefused, IPNetwork, Resolver
from bot.checks.budget import Budget
from bot.checks.safe_socket import Unreachable, connect

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    VERSIONS: dict[str, ssl.TLSVersion] = {
        "TLS 1.0": ssl.TLSVersion.TLSv1,
        "TLS 1.1": ssl.TLSVersion.TLSv1_1,
        "TLS 1.2": ssl.TLSVersion.TLSv1_2,
        "TLS 1.3": ssl.TLSVersion.TLSv1_3,
    }
OLD = ("TLS 1.0", "TLS 1.1")
MODERN = ("TLS 1.2", "TLS 1.3")


_WARNINGS = threading.Lock()  # catch_warnings changes process-wide state


def _context(version: ssl.TLSVersion) -> ssl.SSLContext:
    with _WARNINGS, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers("ALL:@SECLEVEL=0")
        context.minimum_version = version
        context.maximum_version = version
    return context


def accepts(host: str, port: int, version: str, *, resolver: Resolver, budget: Budget,
            allowance: Sequence[IPNetwork] | None = None) -> bool | None:
    """True if the server completes a handshake at exactly ``version``, False if it refuses,
    None if it could not be reached."""
    try:
        sock = connect(host, port, resolver=resolver, budget=budget, allowance=allowance)
    except Unreachable:
        return None
    try:
        with _context(VERSIONS[version]).wrap_socket(sock, server_hostname=host) as tls:
            return tls.version() is not None
    except (ssl.SSLError, ConnectionError):
        return False
    except OSError:  # a timeout in the handshake: the server is there but silent
        return None
    finally:
        sock.close()


def offered_versions(host: str, port: int, *, resolver: Resolver, budget: Budget,
                     allowance: Sequence[IPNetwork] | None = None) -> dict[str, bool | None]:
    """Each version's answer, tried in parallel so a silent server costs one time limit.

    Raises :class:`AddressRefused` if the host may not be contacted.
    """
    def one(version: str) -> bool | None:
        return accepts(host, port, version, resolver=resolver, budget=budget, allowance=allowance)

    with ThreadPoolExecutor(max_workers=len(VERSIONS)) as pool:
        futures = {version: pool.submit(one, version) for version in VERSIONS}
        results: dict[str, bool | None] = {}
        for version, future in futures.items():
            try:
                results[version] = future.result()
            except AddressRefused:
                raise
    return results
