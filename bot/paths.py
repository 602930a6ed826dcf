"""Where the project's files are: one answer, so that moving a module moves nothing else."""

from __future__ import annotations

from pathlib import Path

#: The checkout: the folder holding ``bot/``, ``data/`` and ``domain.yml``.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
BUILD_DIR = PROJECT_ROOT / "build"
VAR_DIR = PROJECT_ROOT / "var"
