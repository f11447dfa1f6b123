"""Conventions of the code base, enforced: where Streamlit, SQLite and SQL may appear, module size."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "components"
MODULE_MAX_LINES = 400


def python_files(*folders: Path) -> list[Path]:
    """Every Python file under these folders, sorted."""
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def imported_modules(path: Path) -> list[str]:
    """The module names a file imports."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def test_core_modules_never_import_streamlit():
    """Only the components/ui/ package may import streamlit."""
    offenders = [path.relative_to(ROOT).as_posix() for path in python_files(COMPONENTS)
                 if path.relative_to(COMPONENTS).parts[0] != "ui"
                 and any(n == "streamlit" or n.startswith(("streamlit.", "streamlit_")) for n in imported_modules(path))]
    assert offenders == []


def test_only_storage_opens_sqlite():
    """No module but storage.py opens a database (sqlite3.connect or sqlite_utils.Database)."""
    openers = [path.relative_to(ROOT).as_posix()
               for path in python_files(COMPONENTS, ROOT / "pages") + [ROOT / "app.py"]
               if re.search(r"sqlite3\.connect|Database\(", path.read_text()) and path.name != "storage.py"]
    assert openers == []


def test_pages_hold_no_sql():
    """Pages are thin: no SQL keywords in them."""
    with_sql = [p.name for p in (ROOT / "pages").glob("*.py")
                if any(k in p.read_text() for k in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"))]
    assert with_sql == []


def test_no_module_is_over_400_lines():
    """A module that grows past 400 lines holds more than one job: split it by actor or job."""
    long = {path.relative_to(ROOT).as_posix(): n for path in python_files(COMPONENTS)
            if (n := len(path.read_text().splitlines())) > MODULE_MAX_LINES}
    assert long == {}


def test_every_rule_module_is_read_as_rules_x():
    """The rules package is one namespace: each of its modules is star-imported by components/rules/__init__.py,
    so every rule and limit is `rules.X` wherever it is defined."""
    package = COMPONENTS / "rules"
    modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
    imported = set(re.findall(r"^from components\.rules\.(\w+) import \*", (package / "__init__.py").read_text(), re.M))
    assert modules and imported == modules


def test_every_hub_variable_is_documented():
    """Each HUB_* environment variable the code reads has a row in the README."""
    readme = (ROOT / "README.md").read_text()
    used = {name for path in python_files(COMPONENTS, ROOT / "pages") + [ROOT / "app.py"]
            for name in re.findall(r"\b(HUB_[A-Z_]+)\b", path.read_text())}
    assert used and sorted(name for name in used if f"`{name}`" not in readme) == []
