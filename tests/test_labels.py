"""The label files salesnb/labels/en.yaml and zh.yaml: the same keys in both, the same ``{fields}`` in
both texts of a key, every key the code or a notebook uses defined, every defined key used somewhere.

The failure messages are written for whoever edits those files (a translator, say): they name the
file, the key and what to change.
"""

import json
import re
import string
from pathlib import Path

import pytest

from salesnb.labels import LABELS, LANGUAGES, LabelsError, label_file, load_labels, read_texts, t

PACKAGE = Path(__file__).resolve().parents[1] / "salesnb"
NOTEBOOKS = PACKAGE.parent / "notebooks"

# Key prefixes the code joins with a code at run time, without an f-string: the values of
# _VALUE_PREFIX in salesnb/render/report.py (a table column's codes shown as labels: the "flag"
# column's value "new_rep" is shown as the label "flag.new_rep"). Prefixes written in an f-string
# (t(f"kpi.{name}")) or given as prefix="diag.skip." are found in the code.
VALUE_CODE_PREFIXES = (
    "absent",
    "action",
    "arch",
    "column",
    "cust",
    "direction",
    "flag",
    "group",
    "kpi",
    "method",
    "move",
    "scope",
    "smart",
    "status",
    "table",
    "test",
    "tgt.basis",
    "tgt.method",
    "verdict",
)
# a dotted string in the code that names a file, not a label ("index.html")
FILE_SUFFIXES = {"csv", "html", "ipynb", "json", "md", "parquet", "pdf", "png", "py", "txt", "xlsx", "yaml", "yml"}

QUOTED = re.compile(r"""["']([a-z_][a-z0-9_.:]*)["']""")
# t("key"), report.t("key"), report.heading("key"), report.note("key"), report.skipped("key"); and the same with f"…"
LOOKUP = re.compile(r"""(?:\bt|\.heading|\.note|\.skipped)\(\s*["']([a-z_][a-z0-9_.:]*)["']""")
LOOKUP_PREFIX = re.compile(r"""(?:\bt|\.heading|\.note|\.skipped)\(\s*f["']([a-z_][a-z0-9_.]*\.)\{""")
# keys built at run time: f"kpi.{name}", or report.skip_missing(..., prefix="diag.skip.", ...)
BUILT_PREFIX = re.compile(r"""(?:\bf|\bprefix=)["']([a-z_][a-z0-9_.]*\.)(?:\{|["'])""")
FILES = " and ".join(f"salesnb/labels/{lang}.yaml" for lang in LANGUAGES)


@pytest.fixture(scope="module")
def code() -> dict[str, str]:
    """The Python code of the package (its modules and templates) and of the notebooks' code cells."""
    sources = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".j2"):
            sources[str(path.relative_to(PACKAGE.parent))] = path.read_text(encoding="utf-8")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources[str(path.relative_to(PACKAGE.parent))] = "\n".join(
            "".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"
        )
    return sources


def test_label_files_have_the_same_keys_in_the_same_order():
    texts = {lang: read_texts(label_file(lang)) for lang in LANGUAGES}  # refuses duplicate keys
    en, zh = texts["en"], texts["zh"]
    assert en.keys() == zh.keys(), (
        f"only in en.yaml: {sorted(en.keys() - zh.keys())}; only in zh.yaml: {sorted(zh.keys() - en.keys())}"
    )
    for position, (one, other) in enumerate(zip(en, zh, strict=True)):
        assert one == other, f"key {position + 1} is {one!r} in en.yaml but {other!r} in zh.yaml: keep one order"
    assert texts == {lang: {key: text[lang] for key, text in LABELS.items()} for lang in LANGUAGES}


def test_every_text_has_the_same_fields_in_both_languages():
    problems = []
    for key, texts in LABELS.items():
        fields = {}
        for lang, text in texts.items():
            if not text.strip():
                problems.append(f"{lang}.yaml: the text of {key!r} is empty")
            try:
                fields[lang] = sorted({name for _, name, _, _ in string.Formatter().parse(text) if name is not None})
            except ValueError as error:  # a lone { or }
                problems.append(f"{lang}.yaml: the text of {key!r} has a stray brace ({error}); write {{{{ for {{")
        if len(fields) == len(LANGUAGES) and fields["en"] != fields["zh"]:
            problems.append(f"{key!r}: en.yaml has the fields {fields['en']}, zh.yaml has {fields['zh']}")
    assert not problems, "Each text must fill the same {fields} in every language:\n" + "\n".join(problems)


def test_every_key_the_code_uses_is_defined(code):
    namespaces = {key.split(".")[0] for key in LABELS if "." in key}
    missing = []
    for where, source in code.items():
        used = set(LOOKUP.findall(source))
        # any other dotted string in a label's namespace ("diag.skip.breakdowns" returned by a function)
        used |= {
            q
            for q in QUOTED.findall(source)
            if "." in q
            and not q.endswith(".")
            and q.split(".")[0] in namespaces
            and q not in VALUE_CODE_PREFIXES
            and q.rsplit(".", 1)[-1] not in FILE_SUFFIXES
        }
        missing += [f"{where}: {key!r}" for key in sorted(used - LABELS.keys())]
        missing += [
            f"{where}: keys starting {prefix!r}"
            for prefix in sorted(set(LOOKUP_PREFIX.findall(source)))
            if not any(key.startswith(prefix) for key in LABELS)
        ]
    assert not missing, f"Label keys used but not defined in {FILES}:\n" + "\n".join(missing)
    assert t("audit.title", "zh") == "数据审计"


def test_every_defined_key_is_used(code):
    everything = "\n".join(code.values())
    quoted = set(QUOTED.findall(everything))
    prefixes = set(BUILT_PREFIX.findall(everything))
    prefixes |= {f"{prefix}." for prefix in VALUE_CODE_PREFIXES}
    stale = [p for p in VALUE_CODE_PREFIXES if p not in quoted]
    assert not stale, f"VALUE_CODE_PREFIXES names prefixes no code uses any more: {stale}; remove them"
    unused = [key for key in LABELS if key not in quoted and not key.startswith(tuple(prefixes))]
    assert not unused, (
        f"Labels defined in {FILES} that no module or notebook uses: {unused}. Delete them from both files; "
        "if the code builds the key at run time, add its prefix to VALUE_CODE_PREFIXES in this test."
    )


def write_labels(directory: Path, en: str, zh: str) -> Path:
    (directory / "en.yaml").write_text(en, encoding="utf-8")
    (directory / "zh.yaml").write_text(zh, encoding="utf-8")
    return directory


def test_a_key_written_twice_is_refused(tmp_path):
    write_labels(tmp_path, "a.title: One\nb.title: Two\na.title: Three\n", "a.title: 一\nb.title: 二\n")
    with pytest.raises(
        LabelsError, match=r"en\.yaml has mistakes: line 3: 'a\.title' is written twice \(first on line 1\)"
    ):
        load_labels(tmp_path)


def test_a_key_missing_in_one_language_is_refused(tmp_path):
    write_labels(tmp_path, "a.title: One\nb.title: Two\n", "a.title: 一\nc.title: 三\n")
    with pytest.raises(LabelsError) as error:
        load_labels(tmp_path)
    message = str(error.value)
    assert f"{tmp_path / 'zh.yaml'} has no text for 'b.title' (en.yaml line 2 has one)" in message
    assert f"{tmp_path / 'en.yaml'} has no text for 'c.title' (zh.yaml line 2 has one)" in message


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("no: Nein", "a key is read as bool 'no'"),
        ("x.count: 12", "the text of 'x.count' is read as int '12'"),
        ("x.empty:", "the text of 'x.empty' is read as empty"),
        ("x.nested: {a: b}", "the text of 'x.nested' is read as a mapping"),
    ],
)
def test_a_value_yaml_reads_as_something_else_is_refused(tmp_path, line, problem):
    write_labels(tmp_path, f"a.title: One\n{line}\n", "a.title: 一\n")
    with pytest.raises(LabelsError, match=f"line 2: {re.escape(problem)}"):
        load_labels(tmp_path)


def test_texts_yaml_would_misread_come_back_as_written(tmp_path):
    texts = {"yes": "yes", "a": " (rule set {n} of {of})", "b": "{when}: 12", "c": "it's # not a comment", "d": "null"}
    en = "".join(f"{key!r}: {text!r}\n" for key, text in texts.items())  # single-quoted YAML = Python repr here
    assert load_labels(write_labels(tmp_path, en, en)) == {key: {"en": v, "zh": v} for key, v in texts.items()}


def test_a_missing_label_names_the_files_to_add_it_to():
    with pytest.raises(KeyError, match=r"salesnb/labels/en\.yaml and salesnb/labels/zh\.yaml"):
        t("no.such.key", "en")
