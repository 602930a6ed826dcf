"""Rasa's built-in Sentry reporting is switched off when the REST channel starts."""

from __future__ import annotations

import sentry_sdk
from rasa.telemetry import sentry_write_key

from bot.channels.rasa_patches import silence_rasa_error_reporting


def test_rasa_ships_a_sentry_key_and_the_channel_drops_its_client() -> None:
    key = sentry_write_key()
    assert key, "Rasa no longer ships a Sentry key: this patch may be unnecessary"
    sentry_sdk.init(f"https://{key}.ingest.sentry.io/2801673", default_integrations=False)
    assert sentry_sdk.Hub.current.client is not None and sentry_sdk.Hub.current.client.dsn
    silence_rasa_error_reporting()
    client = sentry_sdk.Hub.current.client
    assert client is None or (client.dsn is None and client.transport is None)
