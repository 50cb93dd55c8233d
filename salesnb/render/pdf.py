"""Report pages → PDF with headless Chromium's print-to-PDF.

Why Chromium and not WeasyPrint: WeasyPrint installs from PyPI but needs the Pango/HarfBuzz
system libraries at run time, which a fresh machine with only Python does not have; Chromium is one
OS package (Debian's ``chromium``, or any Chrome/Chromium already installed), draws the page exactly as
the browser shows it (the embedded CJK font, the charts) and honours the report's print stylesheet,
running header and page numbers included. Without it a run still succeeds and says how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# Where to look for a Chromium, in order; SALESNB_CHROMIUM names one explicitly.
CHROMIUM_ENV = "SALESNB_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 120
HOW_TO_ENABLE = (
    "PDFs need headless Chromium: install it (Debian/Ubuntu: `apt-get install chromium`; macOS: Google Chrome) "
    f"or name its executable in {CHROMIUM_ENV}, then run again with --pdf. The HTML reports are complete without it."
)


def find_chromium() -> str | None:
    """The Chromium executable to print with, or None when there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if Path(named).is_file() and os.access(named, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(chromium: str, page: Path, pdf: Path, profile: Path) -> list[str]:
    """Command line printing ``page`` to ``pdf``: offline, no browser header/footer, a throwaway profile.

    >>> cmd = chromium_command("chromium", Path("/r/a.html"), Path("/r/a.pdf"), Path("/tmp/p"))
    >>> cmd[-1], "--print-to-pdf=/r/a.pdf" in cmd, "--no-pdf-header-footer" in cmd
    ('file:///r/a.html', True, True)
    """
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # the page loads nothing; make sure nothing else does
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=15000",  # fonts and images are inline; let the page settle before printing
        f"--print-to-pdf={pdf}",
        page.resolve().as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
        command.insert(1, "--no-sandbox")
    return command


def html_to_pdf(page: Path, pdf: Path, *, chromium: str) -> None:
    """Print ``page`` to ``pdf``; raises RuntimeError with Chromium's last words when it fails."""
    with tempfile.TemporaryDirectory(prefix="salesnb-pdf-") as profile:
        temporary = pdf.with_suffix(".pdf.tmp")
        try:
            done = subprocess.run(
                chromium_command(chromium, page, temporary, Path(profile)),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            temporary.unlink(missing_ok=True)
            raise RuntimeError(f"Chromium did not finish printing {page.name} within {TIMEOUT_S} s") from None
        if done.returncode != 0 or not temporary.is_file() or temporary.stat().st_size == 0:
            temporary.unlink(missing_ok=True)
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"Chromium could not print {page.name} (exit {done.returncode}): {last[0]}")
        temporary.replace(pdf)
