"""The demo generator's output is pinned byte for byte, and its functions stay short.

The hashes below were recorded from the single-module generator (``salesnb/demo.py``)
before it was split into the :mod:`salesnb.demo` package, at commit
4867bf2e9ba628c39b1a1ef3a8bdb81b8c4b7dde, with ``salesnb demo --seed 7 --deals 1000``
(numpy 2.4, pandas 2.3, pyarrow 26). The split had to leave every file unchanged.

A deliberate change to the generated data must bump ``GENERATOR_VERSION`` and update
these hashes. A numpy, pandas or pyarrow release inside the pinned ranges may in
principle change a random stream or the text of a written value; if a hash changes after
a dependency upgrade alone, check the difference is only that before re-recording.
Parquet files are not pinned: their metadata carries the pyarrow and pandas versions.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import salesnb.demo
from salesnb.demo import write_demo

PINNED_DEALS, PINNED_SEED = 1_000, 7
PINNED_SHA256 = {
    "activities.csv": "b133aab026a094789de2a500b0c4daf8b6478c48620eddf9555d9255844ce6ef",
    "costs.csv": "40c45ef335101d2b279e4deb5eca4fc86d8dc3011018446d326112a485ccac58",
    "deals.csv": "65155a58a53d8d1b623ba0fa2530b7ad76da05d5d271f70d72e83ee5d46f9e98",
    "ground_truth.json": "add9bfce08f9ce8dabe72c3c4a5c40508e0d5c71c0b95852699648c2b4e33c15",
    "reps.csv": "c3fca777b5ee3f212740f87fafa9afe7ea241d62b3c68aec31618ca3d33d956f",
    "stage_history.csv": "13547503d6e6540e9a1adf14712c0136fe813567bf0722402d4e608fa343ef6a",
    "surveys.csv": "7f5170af43db458d22a8ff2ae31308f45016ea8d7e435d5a06e10fc157a89929",
    "targets.csv": "d5a27c6b29adfcfa33d92fd2045ef0743250b1522c4eb377c4c171197465978a",
}
MAX_FUNCTION_LINES = 80


def test_small_demo_files_match_the_pinned_hashes(tmp_path):
    folder = write_demo(tmp_path, n_deals=PINNED_DEALS, seed=PINNED_SEED)
    written = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}
    assert sorted(written) == sorted(PINNED_SHA256)
    changed = sorted(name for name, digest in written.items() if digest != PINNED_SHA256[name])
    assert not changed, f"demo output changed for seed {PINNED_SEED}, {PINNED_DEALS} deals: {changed}"


def test_no_demo_function_is_longer_than_80_lines():
    package = Path(salesnb.demo.__file__).parent
    long = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.name} ({length} lines)")
    assert not long
