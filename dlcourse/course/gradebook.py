"""The course's gradebook: SQLite in the course folder by default; elsewhere (PostgreSQL) when
``DLCOURSE_DB_URL`` or ``c.CourseDirectory.db_url`` in nbgrader_config.py says so (the variable wins)."""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbgrader.api import Gradebook

URL_VARIABLE = "DLCOURSE_DB_URL"


def url(root: str | Path) -> str:
    """The gradebook's database URL for the course folder ``root``."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE]
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return config.CourseDirectory.get("db_url") or f"sqlite:///{Path(root) / 'gradebook.db'}"


def sqlite_path(root: str | Path) -> Path | None:
    """The gradebook's file when it is SQLite, else None."""
    address = url(root)
    return Path(address.removeprefix("sqlite:///")) if address.startswith("sqlite:///") else None


@contextlib.contextmanager
def connect(root: str | Path) -> Iterator[Gradebook]:
    """An open nbgrader Gradebook of the course. Creating a new one runs the ``alembic`` program, which must be
    found beside this Python even when its environment is not activated."""
    from nbgrader.api import Gradebook

    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(url(root)) as book:
        yield book


def create(root: str | Path) -> None:
    """Create the gradebook once, complete: tables and the schema version that ``nbgrader db upgrade`` needs.

    A gradebook left without its version table (by a server that could not run ``alembic``) is completed:
    its tables were made by this nbgrader, so they are at the newest version.
    """
    from nbgrader.api import get_alembic_version
    from sqlalchemy import inspect, text

    with connect(root) as book:
        if not inspect(book.engine).has_table("alembic_version"):
            with book.engine.begin() as db:
                db.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
                db.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": get_alembic_version()})


def registered(root: str | Path) -> set[str]:
    """Ids of the assignments the gradebook knows with their notebooks (what autograding needs)."""
    with connect(root) as book:
        return {assignment.name for assignment in book.assignments if assignment.notebooks}


def register(root: str | Path, assignments: Iterable[str]) -> list[str]:
    """Record assignments in the gradebook as ``nbgrader generate_assignment`` does (notebooks, graded cells),
    leaving release/ untouched: the student version nbgrader makes on the way goes to a scratch folder.
    Returns the ids that were missing and are now registered."""
    from dlcourse.course import layout

    create(root)
    missing = sorted(set(assignments) - registered(root))
    for assignment in missing:
        with tempfile.TemporaryDirectory(prefix="dlcourse-register-") as scratch:
            layout.run_nbgrader(root, "generate_assignment", assignment, "--force",
                                f"--CourseDirectory.release_directory={scratch}")
    return missing
