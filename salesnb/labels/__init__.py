"""The one zh/en label table: every user-facing string of the reports comes from here.

The texts are data, one file per language beside this module: ``en.yaml`` and ``zh.yaml``, each
mapping a key to its text, with the same keys in the same order, so a translator edits text
without touching Python. Both are read once, at import; a key missing from one language, a key
written twice or a text that is not a string stops the import with :class:`LabelsError`.

Keys are dotted (``audit.title``); texts hold ``str.format`` fields filled by :func:`t`. Reason
codes from validation (``missing:created_at``) are looked up as ``reason.missing`` with the
column's label filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml

from salesnb.errors import SalesnbError

Language = Literal["zh", "en"]

LANGUAGES: tuple[Language, ...] = ("en", "zh")
LABELS_DIR = Path(__file__).resolve().parent
# libyaml's parser when PyYAML has it (over ten times faster; every report kernel imports this module), else Python's
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_LISTED = 10


class LabelsError(SalesnbError):
    """A label file is broken: not YAML, a key written twice or missing in a language, a text that is not a string."""


def label_file(lang: Language, directory: Path = LABELS_DIR) -> Path:
    """The file holding the ``lang`` texts."""
    return directory / f"{lang}.yaml"


def read_texts(path: Path) -> dict[str, str]:
    """The ``key: text`` mapping of one label file, in file order; :class:`LabelsError` names each
    duplicate key (YAML itself would silently keep the last) and each value that is not a string."""
    return _read(path)[0]


def load_labels(directory: Path = LABELS_DIR) -> dict[str, dict[str, str]]:
    """``{key: {"en": text, "zh": text}}`` from the label files in ``directory``, in the order of en.yaml.

    Every key must have a text in every language.
    """
    texts, lines = {}, {}
    for lang in LANGUAGES:
        texts[lang], lines[lang] = _read(label_file(lang, directory))
    problems = [
        f"{label_file(lang, directory)} has no text for {key!r} ({other}.yaml line {lines[other][key]} has one)"
        for lang in LANGUAGES
        for other in LANGUAGES
        if other != lang
        for key in texts[other]
        if key not in texts[lang]
    ]
    if problems:
        raise LabelsError(
            f"The label files do not have the same keys: {_listed(problems)}. Every key needs a text in "
            + " and in ".join(f"{lang}.yaml" for lang in LANGUAGES)
            + "; add the missing ones (or remove a key from both files if no code uses it)."
        )
    first = LANGUAGES[0]
    return {key: {lang: texts[lang][key] for lang in LANGUAGES} for key in texts[first]}


def _read(path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The texts of one label file and the line of each key.

    Reads parser events rather than building YAML's node tree (about a third faster on these files);
    a scalar's type is resolved as ``yaml.safe_load`` would, so ``no`` or ``12`` unquoted is refused.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabelsError(f"Cannot read the label file {path}: {error}.") from None
    parser = _Loader(source)
    texts: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems = []
    try:
        parser.get_event()  # stream start
        if parser.check_event(yaml.DocumentStartEvent):
            parser.get_event()
        if not parser.check_event(yaml.MappingStartEvent):
            raise LabelsError(f"The label file {path} must map each label key to its text (`key: text` lines).")
        parser.get_event()
        while not parser.check_event(yaml.MappingEndEvent):
            key_event = parser.get_event()
            line = key_event.start_mark.line + 1
            key, key_kind = _scalar(parser, key_event)
            value, value_kind = _scalar(parser, parser.get_event())
            if key is None:
                problems.append(
                    f"line {line}: a key is read as {key_kind}, not as text (YAML reads yes, no, on, off, null "
                    "and numbers as other values); put it in quotes"
                )
            elif key in texts:
                problems.append(f"line {line}: {key!r} is written twice (first on line {lines[key]}); keep one")
            elif value is None:
                problems.append(
                    f'line {line}: the text of {key!r} is read as {value_kind}, not as text; put it in quotes: {key}: "…"'
                )
            else:
                texts[key] = value
                lines[key] = line
        parser.get_event()  # mapping end
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise LabelsError(f"The label file {path} holds more than one YAML document (a line `---`); keep one.")
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise LabelsError(
            f"The label file {path} is not valid YAML{where}: {error.problem or error.context}."
        ) from None
    except yaml.YAMLError as error:
        raise LabelsError(f"The label file {path} is not valid YAML: {error}") from None
    finally:
        parser.dispose()
    if problems:
        raise LabelsError(f"The label file {path} has mistakes: {_listed(problems)}.")
    return texts, lines


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(parser, event) -> tuple[str | None, str]:
    """The text of a scalar event, or None and what YAML reads instead (a nested value is skipped)."""
    if isinstance(event, yaml.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG:
            return event.value, ""
        return None, f"{tag.rsplit(':', 1)[-1]} {event.value!r}" if event.value else "empty"
    if isinstance(event, yaml.AliasEvent):
        return None, f"an alias (*{event.anchor})"
    depth = 1  # a mapping or list: skip to its end
    while depth:
        nested = parser.get_event()
        depth += isinstance(nested, yaml.CollectionStartEvent) - isinstance(nested, yaml.CollectionEndEvent)
    return None, "a list" if isinstance(event, yaml.SequenceStartEvent) else "a mapping"


def _listed(problems: list[str]) -> str:
    more = len(problems) - _MAX_LISTED
    return "; ".join(problems[:_MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")


LABELS: dict[str, dict[str, str]] = load_labels()


def t(key: str, lang: Language, **fields: object) -> str:
    """The label for ``key`` in ``lang`` with ``fields`` filled in.

    >>> t("reason.missing", "en", column="close date")
    'missing close date'
    """
    try:
        text = LABELS[key][lang]
    except KeyError:
        raise KeyError(
            f"no {lang!r} label for {key!r}; add it to salesnb/labels/en.yaml and salesnb/labels/zh.yaml"
        ) from None
    return text.format(**fields) if fields else text


def reason_label(code: str, lang: Language) -> str:
    """Words for a validation reason code such as ``missing:created_at`` or ``duplicate_id``.

    >>> reason_label("bad:created_at", "zh")
    '创建日期无法解析'
    """
    kind, _, column = code.partition(":")
    if kind == "filtered":  # a client's column (data.tables.<t>.where), shown as the file spells it
        return t("reason.filtered", lang, column=column)
    if column:
        return t(f"reason.{kind}", lang, column=t(f"column.{column}", lang))
    return t(f"reason.{code}", lang)


def fmt_int(value: float | int, lang: Language = "en") -> str:
    return f"{int(round(value)):,}"


def fmt_pct(value: float, lang: Language = "en", digits: int = 1) -> str:
    return "–" if value != value else f"{value * 100:.{digits}f}%"


def fmt_money(value: float, currency: str, lang: Language = "en") -> str:
    return "–" if value != value else f"{currency} {value:,.0f}"
