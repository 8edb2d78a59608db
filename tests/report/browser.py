"""Render an HTML file in headless Chromium (Debian's package) and read back what the page did.

A small hook is put first in ``<head>``: it records every script error (``error`` and
``unhandledrejection`` events) and, after the page loaded, writes a JSON description of each plotly
chart (id, trace count, title, whether its SVG was drawn) into ``<pre id="render-check">``.
Chromium's ``--dump-dom`` prints the resulting DOM, which the test parses.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

HOOK = """<script>
window.__jtErrors = [];
window.addEventListener('error', function (e) { window.__jtErrors.push(String(e.message || e)); });
window.addEventListener('unhandledrejection', function (e) {
  window.__jtErrors.push('unhandled: ' + String(e.reason)); });
window.addEventListener('load', function () {
  setTimeout(function () {
    var plots = Array.prototype.map.call(document.querySelectorAll('.js-plotly-plot'), function (d) {
      return {id: d.id, traces: (d.data || []).length,
              title: (d.layout && d.layout.title && d.layout.title.text) || '',
              svg: d.querySelectorAll('svg.main-svg').length,
              points: (d.data || []).reduce(function (n, t) { return n + ((t.x && t.x.length) || 0); }, 0)};
    });
    var pre = document.createElement('pre'); pre.id = 'render-check';
    pre.textContent = JSON.stringify({errors: window.__jtErrors, plots: plots});
    document.body.appendChild(pre);
  }, 300);
});
</script>"""

#: the flags that make headless Chromium work in this sandbox (no GPU, no background network)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",
)


def chromium() -> str:
    """The Chromium binary; skips the test with the reason when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (.ci/run installs Debian's package: apt-get install chromium)")


def render(page: Path) -> dict[str, Any]:
    """``{"errors": [...], "plots": [...]}`` of ``page`` rendered in headless Chromium."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="jtrader-chromium-") as scratch:
        hooked = Path(scratch) / "page.html"
        hooked.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + HOOK, 1), encoding="utf-8")
        done = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={scratch}/profile", "--dump-dom", hooked.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    match = re.search(r'<pre id="render-check">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page did not finish loading in Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    text = match.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return json.loads(text)
