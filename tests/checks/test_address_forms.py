"""Every way of writing an IPv4 address is read as the C resolver reads it (property-based).

A private address written as one number, in octal or hex, or wrapped in IPv6 must be
refused exactly like the dotted form; a public one must be accepted in every form.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks.address_policy import AddressRefused, parse_target

PRIVATE_NETS = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "100.64.0.0/10", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4",
)]


def _in(net: ipaddress.IPv4Network) -> st.SearchStrategy[ipaddress.IPv4Address]:
    first = int(net.network_address)
    return st.integers(first, first + net.num_addresses - 1).map(ipaddress.IPv4Address)


private_ips = st.sampled_from(PRIVATE_NETS).flatmap(_in)
public_ips = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address).filter(
    lambda ip: ip.is_global and not ip.is_multicast and ip not in ipaddress.ip_network("100.64.0.0/10"))


def forms(ip: ipaddress.IPv4Address) -> list[str]:
    value = int(ip)
    octets = [int(part) for part in str(ip).split(".")]
    return [
        str(ip),
        str(value),  # 2130706433
        hex(value),  # 0x7f000001
        ".".join(f"0{octet:o}" for octet in octets),  # 0177.00.00.01
        ".".join(hex(octet) for octet in octets),  # 0x7f.0x0.0x0.0x1
        f"{octets[0]}.{value & 0xFFFFFF}",  # 127.1 style: a.b with b 24 bits
        f"[::ffff:{ip}]",
        f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]",
        f"[64:ff9b::{ip}]",
    ]


@settings(max_examples=200, deadline=None)
@given(private_ips)
def test_a_private_address_is_refused_in_every_form(ip: ipaddress.IPv4Address) -> None:
    for form in forms(ip):
        with pytest.raises(AddressRefused):
            parse_target(f"http://{form}/", allowance=())


@settings(max_examples=200, deadline=None)
@given(public_ips)
def test_a_public_address_is_accepted_in_every_ipv4_form(ip: ipaddress.IPv4Address) -> None:
    for form in forms(ip)[:6]:
        assert parse_target(f"http://{form}/", allowance=()).ip_literal == ip, form
