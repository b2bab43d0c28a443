import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import guichet.catalog
from guichet.catalog.models import CatalogRelease
from guichet.catalog.schema import Catalog, load_catalog
from guichet.catalog.services import catalog_load

DATA_DIR = Path(guichet.catalog.__file__).parent / "data"
NOW = datetime(2022, 12, 8, 9, 0, tzinfo=UTC)

# edit(file name, text found exactly once, replacement) on a copy of the data files.
Edit = Callable[[str, str, str], None]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped data files, validated (no database)."""
    return load_catalog(DATA_DIR)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the data directory that a test may break."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def edit(data_copy: Path) -> Edit:
    def replace(file: str, old: str, new: str) -> None:
        path = data_copy / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not exactly once in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return replace


@pytest.fixture
def loaded(db: None) -> CatalogRelease:
    """The shipped catalog loaded into the test database."""
    return catalog_load(directory=DATA_DIR, now=NOW)
