"""Shared fixtures: the real Maven data in ../shared, small demo data, params files in tmp."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from salesnb.config import REPO_ROOT

MAVEN_DIR = REPO_ROOT.parent / "shared" / "data" / "real" / "maven_crm_sales_opportunities"

STAGES = {"order": ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won"], "won": "Won", "lost": "Lost"}


@pytest.fixture(scope="session")
def maven_dir() -> Path:
    if not (MAVEN_DIR / "sales_pipeline.csv").is_file():
        pytest.skip(
            f"needs the real Maven data set, which is not at {MAVEN_DIR} (params/maven.yaml reads it from "
            "../shared beside the clone; README 'The Maven data' says where to get it)"
        )
    return MAVEN_DIR


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    from salesnb.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"), n_deals=4_000, seed=11)


@pytest.fixture(scope="session")
def demo20k_dir(tmp_path_factory) -> Path:
    """The demo at its default size and seed, for tests that recover planted truths."""
    from salesnb.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo20k"), n_deals=20_000, seed=7)


@pytest.fixture(scope="session")
def demo_en_run(tmp_path_factory, demo_dir):
    """All five reports on the 4,000-deal demo, in English (see tests/renders.py)."""
    from salesnb.run.runner import run
    from tests.renders import demo_params

    tmp = tmp_path_factory.mktemp("run-en")
    return run(demo_params(tmp, demo_dir), output_root=tmp / "outputs", progress=lambda _: None)


@pytest.fixture(scope="session")
def demo_zh_run(tmp_path_factory, demo_dir):
    """All five reports on the 4,000-deal demo, in Chinese."""
    from salesnb.run.runner import run
    from tests.renders import demo_params

    tmp = tmp_path_factory.mktemp("run-zh")
    return run(
        demo_params(tmp, demo_dir, language="zh", client="demo_zh"), output_root=tmp / "o", progress=lambda _: None
    )


@pytest.fixture(scope="session")
def maven_run(tmp_path_factory, maven_dir):
    """All five reports on the real Maven data (params/maven.yaml)."""
    from salesnb.run.runner import run

    return run(
        REPO_ROOT / "params" / "maven.yaml", output_root=tmp_path_factory.mktemp("maven"), progress=lambda _: None
    )


@pytest.fixture
def write_params(tmp_path):
    """Write a params YAML into tmp_path; keys given replace the defaults."""

    def write(name: str = "params.yaml", **overrides) -> Path:
        params = {
            "client": "acme",
            "period": "2025-Q4",
            "language": "en",
            "stages": STAGES,
            "data": {"base_dir": str(tmp_path), "tables": {}},
        }
        params.update(overrides)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        return path

    return write
