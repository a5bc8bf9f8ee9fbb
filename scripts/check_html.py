#!/usr/bin/env python3
"""Open HTML reports in a real headless browser (Debian's ``chromium``) and fail on any console message.

    python scripts/check_html.py PAGE.html [PAGE.html ...] [--screenshot OUT.png] [--width 1200 --height 2000]

The pages verify writes have no script and forbid loading anything (Content-Security-Policy), so
a correct page logs nothing at all to the console: any ``CONSOLE`` line (a CSP violation from
something that slipped through escaping, a broken data: URI, a script error) is a failure.  Exit
0 when every page is clean, 1 when one is not, 3 when no chromium binary is installed.
``tests/test_html_browser.py`` uses :func:`check_page`; run this by hand to refresh the README's
screenshot (``--screenshot docs/report.png``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
_CONSOLE = re.compile(r":CONSOLE(?:\(\d+\))?[:\]]")


@dataclass
class PageCheck:
    page: Path
    console: list[str]  # browser console messages (should be none)
    dom: str  # the DOM after loading, serialised
    screenshot: Path | None


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(browser: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="verify-chromium-") as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)


def check_page(page: Path, screenshot: Path | None = None, size: tuple[int, int] = (1200, 2000),
               browser: str | None = None, timeout: float = 120) -> PageCheck:
    """Load *page* twice (DOM dump, then screenshot if asked) and collect console messages."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium binary (apt-get install chromium)")
    url = page.resolve().as_uri()
    dom_run = _run(browser, ["--dump-dom", url], timeout)
    console = [line for line in dom_run.stderr.splitlines() if _CONSOLE.search(line)]
    shot = None
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shot_run = _run(browser, [f"--window-size={size[0]},{size[1]}", f"--screenshot={screenshot.resolve()}", url],
                        timeout)
        console += [line for line in shot_run.stderr.splitlines() if _CONSOLE.search(line)]
        shot = screenshot if screenshot.is_file() and screenshot.stat().st_size > 0 else None
    return PageCheck(page, console, dom_run.stdout, shot)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--screenshot", type=Path, help="screenshot of the first page (PNG)")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=2000)
    args = ap.parse_args(argv)
    if find_browser() is None:
        print("check_html: no chromium binary found (apt-get install chromium)", file=sys.stderr)
        return 3
    bad = 0
    for i, page in enumerate(args.pages):
        result = check_page(page, args.screenshot if i == 0 else None, (args.width, args.height))
        status = "ok" if not result.console and "VERDICT" in result.dom else "FAILED"
        bad += status != "ok"
        print(f"{status}: {page} ({len(result.dom):,} characters of DOM, {len(result.console)} console messages)")
        for line in result.console:
            print(f"  {line}")
        if result.screenshot:
            print(f"  screenshot {result.screenshot}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
