"""Chapters opened in JupyterLab (with jupyterlab-myst) in headless Chromium: no raw MyST.

    PPN_BROWSER_TEST=1 pytest tests/browser/test_jupyterlab.py   # .ci/run does this

Skipped unless ``PPN_BROWSER_TEST=1``. Starts the JupyterLab that ``requirements.txt``
installs on 127.0.0.1 (a free port, no token, settings and workspaces in a temporary
folder, no news or update checks), opens chapters that have exercises, solutions, notes,
citations, cross-references and numbered equations, and fails if the rendered Markdown
shows MyST source (``{exercise}``, ``:label:``, ``solution-start``, a backtick fence…), a
jupyterlab-myst error box (unknown directive or role, citation not found), or an equation
numbered twice (the ``\\tag`` number and one of jupyterlab-myst's own). A screenshot of each
chapter's first screen goes to ``_build/screenshots/jupyterlab-NN_name.png``.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from test_built_book import ENABLED, HEIGHT, ROOT, SCREENSHOTS, WIDTH, Visit

pytestmark = pytest.mark.skipif(not ENABLED, reason="set PPN_BROWSER_TEST=1 to run")

BOOK = ROOT / "book"
CHAPTERS = ["03_forward_mode.ipynb", "07_mnist.ipynb"]
# Source text that only shows when a directive or role is left unrendered.
RAW = ["{exercise}", "{solution", "solution-start", "solution-end", "{note}", "{warning}",
       "{cite", "{term}", "{numref}", "{ref}", "{doc}", "{literalinclude}", "{math}",
       ":label:", ":class:", "```", ":::", "$$", "\\tag"]  # fmt: skip
# Settings for a quiet, fully rendered notebook: every cell in the page, not only those on
# screen (JupyterLab's windowing), and no requests to the news feed or for updates.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# The open notebook's cells, as the reader sees them.
CELLS = """(() => {
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  if (!panel) return null;
  const cells = [...panel.querySelectorAll(".jp-Cell")];
  const markdown = cells.filter(c => c.classList.contains("jp-MarkdownCell"));
  // jupyterlab-myst draws a Markdown cell into a widget of class "myst".
  const rendered = markdown.map(c => c.querySelector(".lm-Widget.myst"));
  return {
    cells: cells.length,
    markdown: markdown.length,
    rendered: rendered.filter(r => r).length,
    texts: rendered.map(r => r ? r.innerText : null),
    exercises: panel.querySelectorAll(".myst-exercise").length,
    admonitions: panel.querySelectorAll(".myst-admonition").length,
    equations: panel.querySelectorAll(".myst .katex-display").length,
    ownNumbers: panel.querySelectorAll('[title="Link to this Equation"]').length,
    notFound: [...panel.querySelectorAll('[title$="Not Found"]')].map(e => e.innerText),
  };
})()"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab():
    """JupyterLab serving book/ on http://127.0.0.1:PORT/, stopped after the module."""
    home = Path(tempfile.mkdtemp(prefix="ppn-jupyterlab-"))
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={BOOK}"]  # fmt: skip
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab stopped: {(home / 'lab.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "api/status", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 60 s: {(home / 'lab.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def open_notebook(browser, lab: str, name: str, markdown_cells: int) -> tuple[Visit, dict]:
    """The notebook in a fresh workspace, once all its Markdown cells have rendered."""
    visit = Visit(browser, f"{lab}lab/tree/{name}?reset")
    deadline, seen, last = time.monotonic() + 120, None, None
    while time.monotonic() < deadline:
        seen = visit.evaluate(CELLS, timeout=60)
        if seen and seen["markdown"] == markdown_cells and seen["rendered"] == markdown_cells:
            if last == seen:  # unchanged for one more round: math and links are done too
                return visit, seen
            last = seen
        visit.pump(timeout=0.5)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = visit.call("Page.captureScreenshot", {"format": "png"})["data"]
    (SCREENSHOTS / f"jupyterlab-{Path(name).stem}-failed.png").write_bytes(base64.b64decode(shot))
    visit.close()
    pytest.fail(f"{name}: {markdown_cells} Markdown cells expected, rendered: {seen}")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_renders_in_jupyterlab(browser, lab, name):
    nb = nbformat.read(BOOK / name, as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    visit, seen = open_notebook(browser, lab, name, len(markdown))
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visit.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        shot = visit.call("Page.captureScreenshot", {"format": "png"})["data"]
        (SCREENSHOTS / f"jupyterlab-{Path(name).stem}.png").write_bytes(base64.b64decode(shot))
    finally:
        visit.close()
    problems = []
    for source, text in zip(markdown, seen["texts"], strict=True):
        raw = [marker for marker in RAW if marker in text]
        if raw:
            problems.append(f"raw MyST {raw} in the cell beginning {source[:60]!r}: {text[:200]!r}")
        if "Unknown Directive" in text or "Unknown Role" in text:
            problems.append(f"jupyterlab-myst error in the cell beginning {source[:60]!r}")
    if seen["notFound"]:
        problems.append(f"references not found: {seen['notFound']}")
    if seen["ownNumbers"]:
        problems.append(f"{seen['ownNumbers']} equations numbered by jupyterlab-myst too")
    exercises = sum("{exercise}" in s for s in markdown)
    if seen["exercises"] < exercises:  # solutions are drawn as exercises too
        problems.append(f"{seen['exercises']} exercise boxes for {exercises} exercises")
    admonitions = sum(s.count("{note}") + s.count("{warning}") for s in markdown)
    if seen["admonitions"] < admonitions:
        problems.append(f"{seen['admonitions']} admonitions drawn for {admonitions} written")
    if sum("$$" in s for s in markdown) and not seen["equations"]:
        problems.append("no display equation typeset")
    assert not problems, f"{name} in JupyterLab:\n  " + "\n  ".join(problems)
