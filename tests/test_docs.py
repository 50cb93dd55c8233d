"""The repository documents itself: generated pages match the code, the params schema works, nothing
points outside the repository, and the install routes carry the same packages."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tomllib

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement

from salesnb.config import REPO_ROOT
from salesnb.labels import LABELS
from salesnb.params import load_params
from salesnb.run.docs import SECTIONS, generated, label_keys
from salesnb.run.params_schema import FIELD_HELP, INTERNAL_FIELDS, TYPE_WORDS, models, params_json_schema

PARAMS_FILES = ["demo.yaml", "demo_zh.yaml", "maven.yaml"]


def as_editor_reads(raw):
    """A params file as an editor's YAML 1.2 reader sees it: dates are text, and `on:` is the key 'on'
    (PyYAML follows YAML 1.1, where an unquoted `on` is the boolean true; salesnb takes it back)."""
    if isinstance(raw, dict):
        return {("on" if key is True else str(key)): as_editor_reads(value) for key, value in raw.items()}
    if isinstance(raw, list):
        return [as_editor_reads(value) for value in raw]
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return raw


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((REPO_ROOT / "docs" / "params.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


# --- generated pages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", sorted(generated()))
def test_committed_page_equals_what_the_code_generates(relative):
    committed = REPO_ROOT / relative
    assert committed.is_file(), f"{relative} is missing: run `make docs`"
    assert committed.read_text(encoding="utf-8") == generated()[relative], f"{relative} is stale: run `make docs`"


def test_metrics_pages_quote_the_label_text_the_reports_print():
    pages = {lang: generated()[f"docs/metrics{'' if lang == 'en' else '.zh'}.md"] for lang in ("en", "zh")}
    for section in SECTIONS:
        for key in section.printed:
            for lang, page in pages.items():
                assert f"> {LABELS[key][lang].strip()}\n" in page
    # each quoted definition is one the reports really print: a notebook or the package uses its key
    sources = [p.read_text(encoding="utf-8") for p in (REPO_ROOT / "notebooks").glob("*.ipynb")]
    sources += [p.read_text(encoding="utf-8") for p in (REPO_ROOT / "salesnb").rglob("*.py") if p.stem != "docs"]
    sources = [text for text in sources if not text.startswith('"""The one zh/en label table')]
    for section in SECTIONS:
        for key in section.printed:
            quoted = (f'"{key}"', f'\\"{key}\\"')  # in a module, or in a notebook's JSON
            assert any(q in text for q in quoted for text in sources), f"no report prints {key}"
    assert set(label_keys()) <= set(LABELS)


def test_metrics_page_defines_the_kpis_with_their_formulas():
    page = generated()["docs/metrics.md"]
    for formula in (
        "won / (won + lost) [closed_at ∈ W]",
        "reached k + 1 / resolved at k",
        "open deals × win rate × average won deal size / average cycle days",
        "|A(W′) ∩ A(W)| / |A(W′)|".replace("|", "\\|"),
        "Σ costs.amount [cost period inside W] / new customers",
        "first entry of the next stage visited − first entry of k",
    ):
        assert formula in page


def test_every_params_key_has_exactly_one_description():
    for name, model in models().items():
        for field, info in model.model_fields.items():
            if (name, field) in INTERNAL_FIELDS:
                continue
            given = [text for text in (info.description, FIELD_HELP.get((name, field))) if text]
            assert len(given) == 1, f"{name}.{field}: {len(given)} descriptions (Field(description=…) or FIELD_HELP)"
    known = {(name, field) for name, model in models().items() for field in model.model_fields}
    assert set(FIELD_HELP) <= known, sorted(set(FIELD_HELP) - known)
    assert set(TYPE_WORDS) <= known, sorted(set(TYPE_WORDS) - known)
    page = generated()["docs/params.md"]
    for name, model in models().items():
        for field in model.model_fields:
            if (name, field) not in INTERNAL_FIELDS:
                assert f"| `{field}` |" in page


# --- the params schema ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PARAMS_FILES)
def test_schema_accepts_the_params_files(validator, name):
    path = REPO_ROOT / "params" / name
    errors = list(validator.iter_errors(as_editor_reads(yaml.safe_load(path.read_text(encoding="utf-8")))))
    assert not errors, [(list(e.path), e.message) for e in errors]


@pytest.mark.parametrize("name", PARAMS_FILES)
def test_params_files_name_the_schema_and_still_load(name):
    path = REPO_ROOT / "params" / name
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../docs/params.schema.json"
    assert (path.parent / "../docs/params.schema.json").resolve().is_file()
    assert load_params(path).client


def test_schema_accepts_the_readme_examples(validator):
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    examples = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    examples = [raw for raw in examples if isinstance(raw, dict) and "client" in raw]
    assert examples
    for raw in examples:
        errors = list(validator.iter_errors(as_editor_reads(raw)))
        assert not errors, [(list(e.path), e.message) for e in errors]


@pytest.mark.parametrize(
    ("where", "key"),
    [((), "clinet"), (("data",), "tabels"), (("reports", "funnel"), "stuck_quantle"), (("stages",), "skiped")],
)
def test_schema_rejects_a_typod_key(validator, where, key):
    raw = as_editor_reads(yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")))
    node = raw
    for part in where:
        node = node.setdefault(part, {})
    node[key] = 1
    errors = list(validator.iter_errors(raw))
    assert [e.message for e in errors] == [f"Additional properties are not allowed ('{key}' was unexpected)"]
    assert [tuple(e.path) for e in errors] == [where]


def test_schema_rejects_wrong_values_and_takes_the_shorthands(validator):
    base = as_editor_reads(yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")))
    wrong = [
        {"language": "fr"},
        {"period": "2025-Q5"},
        {"fiscal_year_start": 13},
        {"data": {**base["data"], "tables": {"deal": {"file": "x.csv"}}}},
        {"data": {**base["data"], "preset": "maven"}},
    ]
    for change in wrong:
        assert list(validator.iter_errors({**base, **change})), change
    right = [
        {"period": 2025},
        {"period": "FY2025"},
        {"period": {"label": "launch", "start": "2025-01-15", "end": "2025-03-31"}},
        {"data": {**base["data"], "tables": {"deals": {"file": "d.csv", "constants": {"amount": 1}}}}},
        {"data": {**base["data"], "preset": "presets/mine.yaml"}},
    ]
    for change in right:
        assert not list(validator.iter_errors({**base, **change})), change


def test_schema_command_prints_and_writes_the_committed_schema(tmp_path):
    committed = (REPO_ROOT / "docs" / "params.schema.json").read_text(encoding="utf-8")
    command = [sys.executable, "-m", "salesnb.run.cli", "schema"]
    printed = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", check=True)
    assert printed.stdout == committed
    out = tmp_path / "schema.json"
    written = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, check=True)
    assert out.read_text(encoding="utf-8") == committed and str(out) in written.stdout
    assert json.loads(committed) == params_json_schema()


# --- the repository refers only to itself ---------------------------------------------------------------------------

SCANNED = ["salesnb", "notebooks", "tests", "benchmarks", "docs", "params", ".ci"]
SCANNED_FILES = ["README.md", "Makefile", "pyproject.toml", "environment.yml"]
# The design notes live outside the repository; docs/ replaces them.
OUTSIDE = ["DESIGN" + ".md", "DESIGN" + " §", "shared/" + "docs", "STYLE" + ".md"]
# The one path outside the repository that may be named: the optional real data beside the clone.
REAL_DATA = "shared/" + "data/real"


def repository_texts() -> dict[str, str]:
    paths = [p for folder in SCANNED for p in (REPO_ROOT / folder).rglob("*") if p.is_file()]
    paths += [REPO_ROOT / name for name in SCANNED_FILES]
    texts = {}
    for path in paths:
        if "__pycache__" in path.parts or path.stat().st_size > 2_000_000:
            continue
        try:
            texts[str(path.relative_to(REPO_ROOT))] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a spreadsheet or a font
    return texts


def test_nothing_refers_to_design_notes_outside_the_repository():
    found = [(name, word) for name, text in repository_texts().items() for word in OUTSIDE if word in text]
    assert not found
    assert not [key for key, text in LABELS.items() if any("DESIGN" in value for value in text.values())]


def test_only_the_real_data_path_leaves_the_repository():
    for name, text in repository_texts().items():
        for match in re.finditer(r"\.\./(?:\.\./)*shared\b[^\s`'\"),;]*", text):
            assert REAL_DATA in match[0] or match[0].rstrip("/.") == "../shared", (name, match[0])


# --- install routes -------------------------------------------------------------------------------------------------

# conda-forge names of PyPI distributions whose names differ there (extras become their own packages).
CONDA_NAMES = {
    "duckdb": ["python-duckdb"],
    "nbconvert": ["nbconvert-core"],
    "ibis-framework[duckdb]": ["ibis-duckdb"],
    "ibis-framework[postgres,pyspark]": ["ibis-postgres", "ibis-pyspark"],
}


def requirement_key(text: str) -> tuple[str, str]:
    req = Requirement(text)
    name = req.name.lower().replace("_", "-")
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return name + extras, str(req.specifier)


def test_environment_yml_has_every_dependency_with_the_same_range():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("test", "lab"):
        wanted += project["optional-dependencies"][extra]
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = {}
    for entry in env["dependencies"]:
        for line in entry["pip"] if isinstance(entry, dict) else [entry]:
            if not line.startswith("-"):
                name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", line).groups()
                listed[name.lower().replace("_", "-")] = ",".join(sorted(spec.replace(" ", "").split(",")))
    assert "-e ." in next(e for e in env["dependencies"] if isinstance(e, dict))["pip"]
    assert "python>=3.11" in env["dependencies"] and "conda-forge" in env["channels"]
    for text in wanted:
        key, spec = requirement_key(text)
        for name in CONDA_NAMES.get(key, [key.split("[")[0]]):
            assert name in listed, f"{text}: {name} is not in environment.yml"
            assert listed[name] == ",".join(sorted(spec.split(","))), f"{name}: {listed[name]} ≠ pyproject's {spec}"


def test_default_install_includes_jupyterlab():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(r.startswith("jupyterlab") for r in project["optional-dependencies"]["lab"])
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    install = re.search(r"^\$\(STAMP\):.*?\n\n", makefile, re.S | re.M)[0]
    assert re.search(r'pip install [^\n]*-e "\.\[[^\]]*\blab\b[^\]]*\]"', install), install
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[test,lab]"' in readme
