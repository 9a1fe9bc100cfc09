"""The package layout keeps its layers: arrows point down only, no two modules import each other (directly or round
a circle), and only the UI layer imports a UI library. Imports inside functions count too: a lazy import is still
a dependency."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
# What each layer may import from the workbench besides itself, lowest first.
ALLOWED = {
    "speed": set(),
    "analysis": set(),
    "core": {"speed", "analysis"},
    "apps": {"speed", "analysis", "core"},
    "lab": {"speed", "analysis", "core", "apps"},
    "llm": {"speed", "analysis", "core"},
    "export": {"speed", "analysis", "core"},
    "lessons": {"speed", "analysis", "core", "apps", "lab", "llm"},
    "cli": {"speed", "analysis", "core", "apps", "lab", "llm", "export"},
    "ui": {"speed", "analysis", "core", "apps", "lab", "llm", "export", "lessons"},
}
TOP_LEVEL = {"__init__": {"core"}, "__main__": {"cli"}}
UI_LIBRARIES = {"streamlit", "ipywidgets", "IPython", "starlette", "anywidget"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> tuple[set[str], set[str]]:
    """(workbench modules, top-level outside packages) that a module imports anywhere in its body."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in MODULES else stem for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "workbench":
                outside.add(target.split(".")[0])
                continue
            while target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            if target != name and target != "workbench":
                inside.add(target)
    return inside, outside


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_sits_in_a_known_layer():
    unknown = sorted(n for n in MODULES if layer(n) not in ALLOWED and layer(n) not in TOP_LEVEL)
    assert not unknown, f"modules outside the layers: {unknown}; add them to a subpackage or to ALLOWED"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_arrows_point_down(name):
    inside, _ = imports_of(name)
    own = layer(name)
    allowed = ALLOWED.get(own, TOP_LEVEL.get(own, set())) | {own}
    upward = sorted(t for t in inside if layer(t) not in allowed)
    assert not upward, f"{name} ({own}) imports {upward} from a layer above or beside it"


def test_no_import_circles():
    graph = {name: imports_of(name)[0] - {"workbench"} for name in MODULES}
    # a package's __init__ is reached through its modules; only module-to-module arrows form circles
    done, on_path, path = set(), set(), []

    def visit(node):
        on_path.add(node)
        path.append(node)
        for nxt in sorted(graph[node]):
            assert nxt not in on_path, "import circle: " + " -> ".join(path[path.index(nxt):] + [nxt])
            if nxt not in done:
                visit(nxt)
        on_path.discard(node)
        path.pop()
        done.add(node)

    for name in graph:
        if name not in done:
            visit(name)


def test_only_the_ui_layer_imports_a_ui_library():
    offenders = {name: sorted(imports_of(name)[1] & UI_LIBRARIES) for name in MODULES if layer(name) != "ui"}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_checker_reads_imports_inside_functions():
    """The rules above read import statements anywhere in a module, so a lazy import cannot hide an upward arrow."""
    inside, _ = imports_of("workbench.cli")
    assert "workbench.core.runner" in inside    # cli imports the runner only inside its command functions


def test_the_public_api_is_importable_from_the_package():
    import workbench
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None, name
    from workbench import RunConfig, load_predictor, start_run     # the README's names
    assert callable(start_run) and callable(load_predictor) and RunConfig().validate()
