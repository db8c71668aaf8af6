"""The binding specs travel with the project, unchanged.

docs/landing_contract.md and docs/marts.md are copies of the team's binding
specs (../shared/spec/), so that a plain clone is complete. Where the shared
folder is beside the project (a developer's machine, CI), the copies must be
identical to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_SPEC = PROJECT_DIR.parent / "shared" / "spec"


@pytest.mark.parametrize("name", ["landing_contract.md", "marts.md"])
def test_spec_copy_is_the_binding_spec(name: str) -> None:
    copy = PROJECT_DIR / "docs" / name
    assert copy.is_file(), f"docs/{name} is missing"
    shared = SHARED_SPEC / name
    if not shared.is_file():
        pytest.skip(f"no {shared} beside the project to compare with")
    assert copy.read_text() == shared.read_text(), (
        f"docs/{name} differs from {shared}: copy the binding spec again"
    )
