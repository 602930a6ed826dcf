"""Readers of ``run.json`` wait for the topology, but not for one that has stopped."""

from __future__ import annotations

import json
import threading

from bot.scaled.layout import RUN_FILE, read_run_file


def test_waits_until_the_description_is_written(tmp_path):
    writer = threading.Timer(1.0, (tmp_path / RUN_FILE).write_text, [json.dumps({"proxy": "p"})])
    writer.start()
    assert read_run_file(tmp_path, lambda: True, timeout=30) == {"proxy": "p"}


def test_gives_up_when_the_process_has_stopped(tmp_path):
    assert read_run_file(tmp_path, lambda: False, timeout=30) is None


def test_gives_up_after_the_timeout(tmp_path):
    assert read_run_file(tmp_path, lambda: True, timeout=0.2) is None
