"""The package's layers (docs/architecture.md): a lower layer never imports a higher one, and no import cycles.

Every ``import`` counts, those inside functions too: a lazy import is still a dependency, and the
usual way a cycle hides.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from salesnb.config import PACKAGE_DIR, REPO_ROOT

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"

# Lowest first. A module may import modules of its own layer and of the layers before it.
LAYERS = {
    "core": 0,  # salesnb/*.py and salesnb/labels/: errors, config, schema, safety, params, labels
    "data": 1,
    "demo": 1,
    "analysis": 2,
    "render": 3,
    "run": 4,
}


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def layer_name(module: str) -> str:
    """``salesnb.analysis.funnel`` → ``analysis``; top-level modules and ``labels`` are ``core``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    return parts[1] if parts[1] in LAYERS else "core"


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``module`` imports, wherever in the file the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("salesnb"):
            for alias in node.names:  # `from salesnb.analysis import funnel` imports a module
                full = f"{node.module}.{alias.name}"
                names.append(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.startswith("salesnb")]
        for name in names:
            while name not in modules and "." in name:
                name = name.rsplit(".", 1)[0]
            if name != module and not module.startswith(f"{name}."):  # a package's own __init__ is not a dependency
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def test_every_module_sits_in_a_known_layer(graph):
    assert {layer_name(m) for m in graph} == set(LAYERS)


def test_no_layer_imports_a_higher_one(graph):
    wrong = [
        f"{module} ({layer_name(module)}) imports {target} ({layer_name(target)})"
        for module, targets in graph.items()
        for target in sorted(targets)
        if LAYERS[layer_name(target)] > LAYERS[layer_name(module)]
    ]
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


def test_analysis_data_and_demo_do_not_import_each_other_sideways(graph):
    # Same rank, no relation: the demo generator writes files; it does not use the loader.
    sideways = [(m, t) for m, ts in graph.items() for t in ts if {layer_name(m), layer_name(t)} == {"data", "demo"}]
    assert not sideways


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def test_strongly_connected_finds_a_planted_cycle():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(sorted(c) for c in strongly_connected(planted) if len(c) > 1) == [["a", "b", "c"]]


def test_no_import_cycles(graph):
    cycles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
    assert not cycles


def test_architecture_page_names_every_layer_folder_and_module(graph):
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([\w./]+)`", text))
    for layer in LAYERS:
        if layer != "core":
            assert f"{layer}/" in named, f"docs/architecture.md does not name the folder {layer}/"
    for module in graph:
        parts = module.split(".")[1:]
        if not parts:
            continue
        spelled = {"/".join(parts) + ".py", "/".join(parts) + "/", parts[-1]}
        if len(parts) > 2:  # a module of a sub-package (data/presets/format.py): its package's row covers it
            spelled.add("/".join(parts[:-1]) + "/")
        assert spelled & named, f"{module} is not in docs/architecture.md"
    assert "never imports" in text  # the rule is written down


@pytest.mark.xdist_group("grouping-check")
def test_xdist_groups_take_effect(request):
    # make test relies on --dist loadgroup to render each shared run once; pytest 9.2 broke it silently.
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        pytest.skip("not running under pytest-xdist with --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping-check")


def test_the_notebook_worker_imports_neither_data_nor_charts():
    """Each spawned worker imports run/worker.py again: it stays free of the data layer, pandas, Ibis,
    matplotlib and jsonschema's IRI grammar (rfc3987-syntax), which a worker never uses."""
    import subprocess
    import sys

    heavy = ["salesnb.data", "salesnb.render.plots", "pandas", "ibis", "matplotlib", "rfc3987_syntax"]
    code = (
        "import sys, json, salesnb.run.worker, papermill, nbformat; "
        f"print(json.dumps([m for m in {heavy!r} if sys.modules.get(m) is not None]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
