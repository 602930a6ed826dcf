"""Readers of ``run.json`` wait for the topology, but not for one that has stopped."""

from __future__ import annotations

import json
import threading

from bot.scaled.layout import RUN_FILE, read_run_file, write_run_file


def test_waits_until_the_description_is_written(tmp_path):
    writer = threading.Timer(1.0, write_run_file, [tmp_path, {"proxy": "p"}])
    writer.start()
    assert read_run_file(tmp_path, lambda: True, timeout=30) == {"proxy": "p"}


def test_a_reader_never_sees_a_half_written_description(tmp_path):
    """The reader polls while the supervisor writes: every read must parse."""
    big = {"proxy": "p", "padding": "x" * 200_000}
    stop = threading.Event()

    def keep_rewriting() -> None:
        while not stop.is_set():
            write_run_file(tmp_path, big)

    writer = threading.Thread(target=keep_rewriting)
    writer.start()
    try:
        for _ in range(200):
            assert read_run_file(tmp_path, lambda: True, timeout=30) == big
    finally:
        stop.set()
        writer.join()


def test_the_description_is_private_to_its_owner(tmp_path):
    write_run_file(tmp_path, {"proxy": "p"})
    assert (tmp_path / RUN_FILE).stat().st_mode & 0o077 == 0
    assert json.loads((tmp_path / RUN_FILE).read_text()) == {"proxy": "p"}


def test_gives_up_when_the_process_has_stopped(tmp_path):
    assert read_run_file(tmp_path, lambda: False, timeout=30) is None


def test_gives_up_after_the_timeout(tmp_path):
    assert read_run_file(tmp_path, lambda: True, timeout=0.2) is None
