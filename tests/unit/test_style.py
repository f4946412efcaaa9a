"""The code passes ruff's lint rules and, for the files it formats, its formatter (configured in pyproject.toml);
the public functions of the package have type hints."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_passes(command):
    result = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def unannotated(root: Path) -> list[str]:
    """Public module-level functions of the package whose parameters or return value have no type hint."""
    found = []
    for path in sorted((root / "dlcourse").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                arguments += [a for a in (node.args.vararg, node.args.kwarg) if a]
                if node.returns is None or any(a.annotation is None for a in arguments):
                    found.append(f"{path.relative_to(root)}: {node.name}")
    return found


def test_public_functions_have_type_hints():
    assert unannotated(REPO) == []


def test_a_function_without_hints_is_found(tmp_path):
    (tmp_path / "dlcourse").mkdir()
    (tmp_path / "dlcourse" / "m.py").write_text("def f(x: int) -> int: ...\ndef g(x): ...\ndef _h(x): ...\n")
    assert unannotated(tmp_path) == ["dlcourse/m.py: g"]
