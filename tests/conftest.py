from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``shared/data`` beside the repository (or beside a folder above it); skip when absent."""
    for folder in Path(__file__).resolve().parents[1].parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    pytest.skip("shared/data is not beside the repository")
