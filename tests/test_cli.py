"""`make train` retrains exactly when something training depends on has changed."""

from __future__ import annotations

from bot.cli import TRAINING_INPUTS, training_fingerprint


def _project(tmp_path):
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    code = tmp_path / "bot" / "nlp"
    code.mkdir(parents=True)
    (code / "featurizer.py").write_text("SCALE = 12\n")
    return tmp_path, ("config.yml", "bot/nlp")


def test_a_change_to_the_nlu_code_changes_the_fingerprint(tmp_path):
    root, inputs = _project(tmp_path)
    before = training_fingerprint(root, inputs)
    (root / "bot" / "nlp" / "featurizer.py").write_text("SCALE = 20\n")
    assert training_fingerprint(root, inputs) != before


def test_compiled_bytecode_does_not_change_it(tmp_path):
    root, inputs = _project(tmp_path)
    before = training_fingerprint(root, inputs)
    cache = root / "bot" / "nlp" / "__pycache__"
    cache.mkdir()
    (cache / "featurizer.cpython-310.pyc").write_bytes(b"\x00compiled")
    assert training_fingerprint(root, inputs) == before


def test_the_project_fingerprint_covers_the_encoder_pin_and_nlu_code():
    assert "requirements-encoder.txt" in TRAINING_INPUTS and "bot/nlp" in TRAINING_INPUTS
