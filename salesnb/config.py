"""One place for paths, names and defaults."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
OUTPUTS_DIR = REPO_ROOT / "outputs"
TEMPLATES_DIR = PACKAGE_DIR / "render" / "templates"

# The runner executes every notebook with this kernel, registered for the running
# interpreter, so papermill never picks another Python.
KERNEL_NAME = "salesnb"
# Environment the runner hands each kernel: where the snapshot and the export folder are, and the snapshot's
# run id (checked on opening). Here, in the lowest layer, so the notebook worker needs neither data nor render.
SNAPSHOT_ENV = "SALESNB_SNAPSHOT"
OUTPUT_ENV = "SALESNB_OUTPUT_DIR"
SNAPSHOT_ID_ENV = "SALESNB_SNAPSHOT_ID"

# Notebooks in report order: key used by `--only` and in params -> file stem.
REPORTS: dict[str, str] = {
    "audit": "00_data_audit",
    "diagnosis": "01_diagnosis",
    "targets": "02_targets",
    "funnel": "03_funnel",
    "case_study": "04_case_study",
}

# Rows shown per exclusion reason in the audit.
EXAMPLE_ROWS = 5
# Bytes sampled when guessing a CSV's encoding and delimiter.
SNIFF_BYTES = 1 << 20
