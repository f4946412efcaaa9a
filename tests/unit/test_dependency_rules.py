"""The package's dependency rules (CONTRIBUTING.md), read from the source with ast: every import statement counts,
at module level or inside a function, and ``__import__``/``importlib.import_module`` calls with a literal name.

1. What students and lectures import (the package's top, checks, datasets, data, figures, student_check, quiz, visible)
   and the grading kernel's side of the judge (bridge, wire) reach nothing of dlcourse.grading, directly or through
   other modules: students install it without the grader.
2. dlcourse.course (course folder operations) imports nothing of dlcourse.grading: the grader builds on it.
3. The grading layer is layered: a module imports no module of a layer above its own. The fork server's lowest
   levels (system calls, wire protocol) import nothing of dlcourse at all, and the fork server and the grading
   kernel (they run inside the sandbox) nothing of dlcourse.course.
4. Nothing in the package imports the test suite or names the tests/ folder.
5. Every package the code imports is declared in pyproject.toml; what a student-facing module imports (and what the
   modules it imports load at import time) is among the base dependencies: `pip install dlcourse` is enough for them.
"""

import ast
import shutil
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]

# What students and lectures use: the package's __init__, and these modules with their submodules.
STUDENT_FACING = [
    "dlcourse.checks",
    "dlcourse.datasets",
    "dlcourse.data",
    "dlcourse.figures",
    "dlcourse.student_check",
    "dlcourse.quiz",
    "dlcourse.visible",
    "dlcourse.bridge",  # runs in the grading kernel, which holds only what students have
    "dlcourse.wire",
]
# The grading layer, top first: a module may import modules of its own layer or below, never above.
GRADING_LAYERS = [
    ["dlcourse.grading.queue"],
    ["dlcourse.grading.shard"],
    ["dlcourse.grading.runner"],
    ["dlcourse.grading.execute", "dlcourse.grading.preprocessors"],
    ["dlcourse.grading.judge", "dlcourse.grading.bounds", "dlcourse.grading.kernels"],
    ["dlcourse.grading.cgroups", "dlcourse.grading.cpus", "dlcourse.grading.stages"],
    ["dlcourse.grading.forkserver.client"],
    ["dlcourse.grading.mounts"],
    ["dlcourse.grading.forkserver.server"],
    ["dlcourse.grading.leankernel"],
    ["dlcourse.grading.forkserver.syscalls", "dlcourse.grading.forkserver.protocol"],
]
IMPORT_NOTHING_OF_DLCOURSE = GRADING_LAYERS[-1]
SANDBOXED = ["dlcourse.grading.forkserver.server", "dlcourse.grading.leankernel"]  # nothing of dlcourse.course


def modules(root):
    """{module name: path} of the package under root."""
    found = {}
    for path in sorted((root / "dlcourse").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _literal_import(node):
    """The module named by ``__import__("x")`` or ``importlib.import_module("x")``, else None."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return None
    function = node.func
    name = (
        function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""
    )
    return (
        node.args[0].value if name in ("__import__", "import_module") and isinstance(node.args[0].value, str) else None
    )


def imports(name, path, nodes, known):
    """Modules that module `name` (file `path`) imports anywhere in its code, as dotted names; for ``from a import
    b`` that is a.b when a.b is a module of the package, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        elif (literal := _literal_import(node)) is not None:
            found.add(literal)
    return found


@cache
def _nodes(source):
    """(every node, the nodes that run on import) of a module's source; cached, as copies of the package repeat it."""
    tree = ast.parse(source)
    return list(ast.walk(tree)), _eager(tree)


def _within(name, prefixes):
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _named_tests_folder(nodes):
    """String literals of a module that name the tests/ folder (a path into the test suite)."""
    texts = [node.value for node in nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [text for text in texts if text.rstrip("/") == "tests" or text.startswith("tests/")]


def loaded(targets, graph, known, chain):
    """{module of the package: import chain} of what importing targets loads, following graph (module: targets)
    from each module reached; importing a.b.c loads a and a.b too."""
    seen, todo = {}, [(target, chain) for target in targets]
    while todo:
        target, path = todo.pop()
        for module in [m for m in known if m == target or target.startswith(m + ".")]:
            if module not in seen:
                seen[module] = path + [module]
                todo += [(t, seen[module]) for t in graph.get(module, ())]
    return seen


def violations(root):
    """Every broken rule of the package under root, one line each (empty: all rules hold)."""
    known = modules(root)
    nodes = {name: _nodes(path.read_text())[0] for name, path in known.items()}
    graph = {name: imports(name, path, nodes[name], known) for name, path in known.items()}
    test_modules = {"tests", "conftest", "helpers", "tiny_notebooks"} | {p.stem for p in (root / "tests").rglob("*.py")}
    found = []

    for name in known:
        if name == "dlcourse" or _within(name, STUDENT_FACING):
            reached = loaded(graph[name], graph, known, [name])
            chain = next((chain for module, chain in reached.items() if _within(module, ["dlcourse.grading"])), None)
            if chain:
                found.append(f"student-facing {name} reaches the grader: {' -> '.join(chain)}")
        if _within(name, ["dlcourse.course"]):
            found += [
                f"{name} imports {t} (course operations never import the grader)"
                for t in sorted(graph[name])
                if _within(t, ["dlcourse.grading"])
            ]
        level = next((i for i, layer in enumerate(GRADING_LAYERS) if name in layer), None)
        if level is not None:
            above = [m for layer in GRADING_LAYERS[:level] for m in layer]
            found += [f"{name} imports {t}, a layer above it" for t in sorted(graph[name]) if _within(t, above)]
        if name in IMPORT_NOTHING_OF_DLCOURSE:
            found += [
                f"{name} imports {t} (it imports nothing of dlcourse)"
                for t in sorted(graph[name])
                if _within(t, ["dlcourse"])
            ]
        if name in SANDBOXED:
            found += [
                f"{name} imports {t} (it runs in the sandbox)"
                for t in sorted(graph[name])
                if _within(t, ["dlcourse.course", "dlcourse.cli"])
            ]
        found += [
            f"{name} imports the test suite ({t})" for t in sorted(graph[name]) if t.split(".")[0] in test_modules
        ]
        found += [f"{name} names the tests folder ({text!r})" for text in _named_tests_folder(nodes[name])]
    return found


def _eager(tree):
    """The nodes that run when the module is imported (function bodies left out)."""
    todo, found = [tree], []
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return found


@cache
def _installed():
    """{top-level module: [distribution]} of this environment."""
    return packages_distributions()


def declared(root):
    """(base dependencies, grading extra) of pyproject.toml, as canonical distribution names."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    names = lambda requirements: {canonicalize_name(Requirement(r).name) for r in requirements}  # noqa: E731
    return names(project["dependencies"]), names(project["optional-dependencies"]["grading"])


def packaging_violations(root):
    """Imports of packages that pyproject.toml does not declare, or declares only in the grading extra although a
    student-facing module needs them (one line each; empty: all declared)."""
    known = modules(root)
    parsed = {name: _nodes(path.read_text()) for name, path in known.items()}
    anywhere = {name: imports(name, known[name], every, known) for name, (every, _) in parsed.items()}
    on_import = {name: imports(name, known[name], eager, known) for name, (_, eager) in parsed.items()}
    distributions = _installed()
    base, grading = declared(root)
    found = []

    def third_party(targets):
        tops = {target.split(".")[0] for target in targets}
        return {top for top in tops if top != "dlcourse" and top not in sys.stdlib_module_names}

    def provided(top):
        return {canonicalize_name(d) for d in distributions.get(top, [])}

    for name in known:
        for top in sorted(third_party(anywhere[name])):
            if not provided(top) & (base | grading):
                found.append(f"{name} imports {top} ({', '.join(provided(top)) or 'not installed'}): not declared")
        if name == "dlcourse" or _within(name, STUDENT_FACING):
            needed = set(anywhere[name]).union(*(on_import[m] for m in loaded(anywhere[name], on_import, known, [])))
            for top in sorted(third_party(needed)):
                if provided(top) and not provided(top) & base:
                    found.append(f"student-facing {name} needs {top}, which only the grading extra declares")
    return found


def test_every_imported_package_is_declared_and_students_need_only_the_base():
    assert packaging_violations(REPO) == []


def test_the_grading_extra_holds_the_grader():
    base, grading = declared(REPO)
    assert {"nbgrader", "celery"} <= grading and not {"nbgrader", "celery"} & base


def test_the_package_keeps_its_dependency_rules():
    assert violations(REPO) == []


def test_the_rules_cover_every_grading_module():
    layered = {m for layer in GRADING_LAYERS for m in layer}
    grading = {m for m in modules(REPO) if m.startswith("dlcourse.grading.")} - {"dlcourse.grading.forkserver"}
    assert grading <= layered, f"place {sorted(grading - layered)} in GRADING_LAYERS"


# ------------------------------------------------------------------ the checker sees what it must


@pytest.fixture
def copy(tmp_path):
    """A copy of the package and the test suite's file names, to break rules in."""
    shutil.copytree(REPO / "dlcourse", tmp_path / "dlcourse", ignore=shutil.ignore_patterns("*.h5", "__pycache__"))
    shutil.copytree(REPO / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def _append(root, module, code):
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + "\n\n" + code + "\n")


@pytest.mark.parametrize(
    "module, code, expected",
    [
        ("dlcourse.checks", "def f():\n    from dlcourse.grading import runner", "student-facing dlcourse.checks"),
        ("dlcourse.figures.plotting", "def f():\n    import dlcourse.grading.mounts", "dlcourse.figures.plotting"),
        ("dlcourse.datasets", "def f():\n    __import__('dlcourse.grading.kernels')", "dlcourse.datasets reaches"),
        (
            "dlcourse.course.layout",
            "def f():\n    from dlcourse.grading.runner import repair",
            "dlcourse.course.layout",
        ),
        (
            "dlcourse.grading.forkserver.protocol",
            "def f():\n    from dlcourse.course import layout",
            "protocol imports dlcourse.course",
        ),
        ("dlcourse.grading.forkserver.syscalls", "from . import protocol", "syscalls imports dlcourse.grading"),
        ("dlcourse.grading.mounts", "def f():\n    from dlcourse.grading import kernels", "a layer above"),
        ("dlcourse.grading.forkserver.server", "import dlcourse.course.layout", "(it runs in the sandbox)"),
        ("dlcourse.grading.leankernel", "import dlcourse.course.layout", "(it runs in the sandbox)"),
        ("dlcourse.course.demo", "def f():\n    from helpers import REPO", "imports the test suite"),
        ("dlcourse.course.demo", "ANSWERS = 'tests/files/answers'", "names the tests folder"),
    ],
)
def test_the_checker_reports_a_broken_rule(copy, module, code, expected):
    _append(copy, module, code)
    assert any(expected in line for line in violations(copy)), violations(copy)


def test_a_student_module_reaching_the_grader_through_the_course_layer_is_reported(copy):
    _append(copy, "dlcourse.course.layout", "def f():\n    import dlcourse.grading.execute")
    lines = violations(copy)
    assert any(line.startswith("student-facing dlcourse.student_check reaches the grader") for line in lines), lines


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ('    "pillow",\n', "", "dlcourse.data.catgen imports PIL (pillow): not declared"),
        ('    "h5py",\n', '    "h5py",\n    "nbgrader",\n', None),
        ('    "nbclient",\n]', "]", "student-facing dlcourse.student_check needs nbclient"),
        ('    "psutil",\n', "", "dlcourse.grading.queue imports psutil (psutil): not declared"),
    ],
)
def test_the_packaging_checker_reports_an_undeclared_package(copy, old, new, expected):
    pyproject = copy / "pyproject.toml"
    assert pyproject.read_text().count(old) == 1
    pyproject.write_text(pyproject.read_text().replace(old, new))
    if expected is None:
        assert packaging_violations(copy) == []  # declaring more than needed is no violation
    else:
        assert any(expected in line for line in packaging_violations(copy)), packaging_violations(copy)


def test_a_student_module_loading_a_grading_package_on_import_is_reported(copy):
    _append(copy, "dlcourse.course.layout", "import nbgrader.api")
    assert any(
        line.startswith("student-facing dlcourse.student_check needs nbgrader") for line in packaging_violations(copy)
    )
