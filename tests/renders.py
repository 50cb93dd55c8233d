"""Whole runs shared by the end-to-end tests: the demo in English and Chinese and the Maven data.

Each run renders all five reports once per test session; the per-report end-to-end tests read
their pages and exports instead of rendering the same report again. Tests using these runs carry
``pytest.mark.xdist_group(RENDERS)`` so ``pytest -n 2 --dist loadgroup`` renders each run on one
worker only.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from salesnb.config import REPO_ROOT

RENDERS = "renders"


def demo_params(tmp_path: Path, demo_dir: Path, *, language: str = "en", client: str = "demo") -> Path:
    """params/demo.yaml pointed at ``demo_dir``, in ``language``, written under ``tmp_path``."""
    params = yaml.safe_load((REPO_ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    params.update(language=language, client=client)
    params["data"]["base_dir"] = str(demo_dir)
    path = tmp_path / f"{client}-{language}.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path
