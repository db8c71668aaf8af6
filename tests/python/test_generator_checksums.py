"""The generator's output for a seed, byte for byte (committed checksums).

``generator_checksums.json`` holds the sha256 of every file the generator
writes for a few small configurations (``cvm.benchmarks.generator_checksums``
names them). Any change to any byte fails here: a refactor of the generator
must keep its output. When the output is meant to change (a new planted
trait, a fix, a DuckDB or pyarrow upgrade), rewrite the file with

    .venv/bin/python -m cvm.benchmarks.generator_checksums refresh

and say why in the commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cvm.benchmarks.generator_checksums import (
    CONFIGS,
    EXPECTED,
    differences,
    generate_config,
)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_output_is_byte_identical_to_the_committed_checksums(
    name: str, tmp_path: Path
) -> None:
    expected = json.loads(EXPECTED.read_text())[name]
    actual = generate_config(name, tmp_path)
    assert not differences(expected, actual), (
        f"{name}: the generator's output changed; if that is meant, run "
        "`python -m cvm.benchmarks.generator_checksums refresh`"
    )


def test_the_committed_checksums_cover_every_configuration() -> None:
    assert sorted(json.loads(EXPECTED.read_text())) == sorted(CONFIGS)
