"""Finding the address in what the owner typed, and masking addresses for analytics."""

from __future__ import annotations

import pytest

from bot.checks.addresses import find_address, find_email_domain, mask_addresses


@pytest.mark.parametrize("text, address", [
    ("can you check my website https://www.example.co.uk/shop?", "https://www.example.co.uk/shop"),
    ("check www.harbourbakery.co.uk please.", "www.harbourbakery.co.uk"),
    ("is oakleydental.uk ok", "oakleydental.uk"),
    ("test http://[::1]:8080/ now", "http://[::1]:8080/"),
    ("check 10.0.0.1", "10.0.0.1"),
    ("(see https://example.com/a)", "https://example.com/a"),
    ("check my website", None),
    ("I opened invoice.pdf by mistake", None),
    ("we use node.js, e.g. for the shop", None),
])
def test_the_address_is_found(text: str, address: str | None) -> None:
    assert find_address(text) == address


def test_an_email_address_gives_its_domain() -> None:
    assert find_email_domain("our email is accounts@harbourbakery.co.uk") == "harbourbakery.co.uk"
    assert find_email_domain("check harbourbakery.co.uk") == "harbourbakery.co.uk"


@pytest.mark.parametrize("text, masked", [
    ("can you check my website https://www.example.co.uk/shop?",
     "can you check my website [WEB_ADDRESS]?"),
    ("is our domain acme-plumbing.co.uk set up right", "is our domain [WEB_ADDRESS] set up right"),
    ("mail me at bob@x.org.", "mail me at bob@[WEB_ADDRESS]."),
    ("check http://[IP]", "check [WEB_ADDRESS]"),
    ("how do I back up our files?", "how do I back up our files?"),
    ("I opened invoice.pdf", "I opened invoice.pdf"),
])
def test_addresses_are_masked(text: str, masked: str) -> None:
    assert mask_addresses(text) == masked
