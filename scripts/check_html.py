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


# --- layout: overlapping text and pages wider than the screen, measured in the browser -------------

# Run by the DevTools protocol (not by the page: its CSP forbids scripts, and must).  Boxes of
# elements that hold text are compared pairwise; an element and its ancestors never count.
_LAYOUT_JS = r"""
(() => {
  const boxes = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('details:not([open]) > :not(summary)')) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    for (const r of el.getClientRects()) {
      if (r.width > 0 && r.height > 0) boxes.push([el, r]);
    }
  }
  const overlaps = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
      ' "' + el.textContent.trim().slice(0, 30) + '"';
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a === b || a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) overlaps.push(name(a) + ' overlaps ' + name(b));
    }
  }
  const doc = document.scrollingElement;
  return JSON.stringify({overlaps: overlaps.slice(0, 50), width: innerWidth, scrollWidth: doc.scrollWidth,
                         height: doc.scrollHeight});
})()
"""


@dataclass
class Layout:
    width: int  # the viewport's width in CSS pixels
    scroll_width: int  # the page's width: more than *width* means the reader must scroll sideways
    height: int
    overlaps: list[str]  # pairs of text boxes drawn over each other
    screenshot: bytes  # PNG of the whole page at that width


class _Pipe:
    """The Chrome DevTools protocol over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-separated JSON)."""

    def __init__(self, browser: str, profile: str):
        import os

        self._to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, self._from_chrome_w = os.pipe()

        def fds() -> None:
            os.dup2(self._to_chrome_r, 3)
            os.dup2(self._from_chrome_w, 4)

        self.proc = subprocess.Popen([browser, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}",
                                      "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=fds,
                                     pass_fds=(3, 4, self._to_chrome_r, self._from_chrome_w))
        os.close(self._to_chrome_r)
        os.close(self._from_chrome_w)
        self._out = os.fdopen(self._to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(self._from_chrome_r, "rb", buffering=0)
        self._buf = b""
        self._id = 0

    def call(self, method: str, session: str | None = None, **params):
        import json

        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = self._in.read(1 << 16)
                if not chunk:
                    raise RuntimeError(f"chromium closed the DevTools pipe during {method}")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError, ValueError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def layout(page: Path, width: int, height: int = 900, browser: str | None = None) -> Layout:
    """Load *page* at *width* CSS pixels (a phone: 412) and measure it: overlapping text, sideways
    scrolling, and a full-page screenshot."""
    import base64
    import json
    import time

    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium binary (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="verify-chromium-") as profile:
        pipe = _Pipe(browser, profile)
        try:
            target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
            session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            pipe.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                      deviceScaleFactor=1, mobile=width < 600)
            pipe.call("Page.enable", session)
            pipe.call("Page.navigate", session, url=page.resolve().as_uri())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                state = pipe.call("Runtime.evaluate", session, expression="document.readyState")
                if state.get("result", {}).get("value") == "complete":
                    break
                time.sleep(0.1)
            facts = json.loads(pipe.call("Runtime.evaluate", session, expression=_LAYOUT_JS)["result"]["value"])
            shot = pipe.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                             clip={"x": 0, "y": 0, "width": width, "height": min(facts["height"], 6000),
                                   "scale": 1})
        finally:
            pipe.close()
    return Layout(facts["width"], facts["scrollWidth"], facts["height"], facts["overlaps"],
                  base64.b64decode(shot["data"]))


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
