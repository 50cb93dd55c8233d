import re
from pathlib import Path

from salesnb.labels import LABELS, t

PACKAGE = Path(__file__).resolve().parents[1] / "salesnb"


def test_every_label_has_both_languages_and_the_same_fields():
    for key, texts in LABELS.items():
        assert set(texts) == {"en", "zh"}, key
        fields = {lang: set(re.findall(r"{(\w+)", text)) for lang, text in texts.items()}
        assert fields["en"] == fields["zh"], key


def test_label_keys_used_in_the_package_exist():
    used = set()
    for path in PACKAGE.rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_.:]+)"', path.read_text(encoding="utf-8")))
    for path in (PACKAGE.parent / "notebooks").glob("*.ipynb"):
        used |= set(
            re.findall(r'report\.(?:heading|note|skipped)\(\\?"([a-z_.:]+)\\?"', path.read_text(encoding="utf-8"))
        )
    missing = sorted(k for k in used if k not in LABELS)
    assert not missing, missing
    assert t("audit.title", "zh") == "数据审计"
