"""Every chapter opened and run in JupyterLab (with jupyterlab-myst) in headless Chromium.

    PPN_BROWSER_TEST=1 pytest tests/browser/test_jupyterlab.py   # .ci/run does this

Skipped unless ``PPN_BROWSER_TEST=1``. Starts the JupyterLab that ``requirements.txt``
installs on 127.0.0.1 (a free port, no token, settings and workspaces in a temporary
folder, no news or update checks, no autosave) and opens every chapter twice:

* as the student first sees it: it fails if the rendered Markdown shows MyST source
  (``{exercise}``, ``:label:``, ``solution-start``, a backtick fence…), a jupyterlab-myst
  error box (unknown directive or role, citation not found), or an equation numbered twice
  (the ``\\tag`` number and one of jupyterlab-myst's own);
* run through the UI (*Run All Cells*, what a student clicks): it fails if a cell raises,
  a code cell is left unrun, a widget does not render (an ipywidgets view left as text or
  an error box), or the notebook file changes on disk.

Screenshots of each chapter's first screen go to ``_build/screenshots/jupyterlab-NN_name.png``
(as opened) and ``jupyterlab-NN_name-run.png`` (after the run, at its first widget or figure).
"""

from __future__ import annotations

import base64
import hashlib
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
CHAPTERS = sorted(p.name for p in BOOK.glob("[0-9][0-9]_*.ipynb"))
# Source text that only shows when a directive or role is left unrendered.
RAW = ["{exercise}", "{solution", "solution-start", "solution-end", "{note}", "{warning}",
       "{cite", "{term}", "{numref}", "{ref}", "{doc}", "{literalinclude}", "{math}",
       ":label:", ":class:", "```", ":::", "$$", "\\tag"]  # fmt: skip
# Settings for a quiet, fully rendered notebook: every cell in the page, not only those on
# screen (JupyterLab's windowing), no requests to the news feed or for updates, and no
# autosave (a run through the UI must not rewrite the committed notebook).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
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

# Run All Cells, as the menu does, then what the run left in the notebook. Needs the app
# object in the page (--LabApp.expose_app_in_browser). The kernel is shut down afterwards
# and the document marked clean, so closing the tab neither asks nor saves.
RUN_ALL = """(async () => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.sessionContext) return {problem: "no notebook panel"};
  await panel.sessionContext.ready;
  const started = Date.now();
  const ok = await app.commands.execute("notebook:run-all-cells");
  const report = {ok: ok, seconds: (Date.now() - started) / 1000, code: 0, unrun: [],
                  errors: [], widgets: 0, widgetProblems: []};
  const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
  // Widget views render asynchronously: give them a few seconds to appear.
  for (let round = 0; round < 40; round++) {
    report.widgets = 0; report.widgetProblems = [];
    panel.content.widgets.forEach((cell, index) => {
      if (cell.model.type !== "code") return;
      const views = cell.model.outputs.toJSON().filter(o => o.data && o.data[WIDGET_VIEW]);
      if (!views.length) return;
      report.widgets += views.length;
      const node = cell.outputArea.node;
      const drawn = node.querySelectorAll(".jupyter-widgets").length;
      const text = node.innerText;
      if (drawn < views.length || /Error displaying widget|Loading widget/.test(text)) {
        report.widgetProblems.push(`cell ${index}: ${views.length} views, ${drawn} drawn: ` +
                                   text.slice(0, 120));
      }
    });
    if (!report.widgetProblems.length) break;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== "code") return;
    report.code += 1;
    if (cell.model.executionCount === null) report.unrun.push(index);
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === "error") {
        report.errors.push(`cell ${index}: ${out.ename}: ${out.evalue}`.slice(0, 300));
      }
    }
  });
  const shown = panel.node.querySelector(".jupyter-widgets, .jp-RenderedImage");
  if (shown) shown.scrollIntoView();
  panel.context.model.dirty = false;
  await panel.sessionContext.shutdown();
  return report;
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
               "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={BOOK}"]  # fmt: skip
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


def screenshot(visit: Visit, name: str) -> None:
    """The tab's screen, a laptop's size, as _build/screenshots/jupyterlab-NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    shot = visit.call("Page.captureScreenshot", {"format": "png"})["data"]
    (SCREENSHOTS / f"jupyterlab-{name}.png").write_bytes(base64.b64decode(shot))


def markdown_sources(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_renders_in_jupyterlab(browser, lab, name):
    markdown = markdown_sources(nbformat.read(BOOK / name, as_version=4))
    visit, seen = open_notebook(browser, lab, name, len(markdown))
    try:
        screenshot(visit, Path(name).stem)
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


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_in_jupyterlab(browser, lab, name):
    """Run All Cells through the UI: no error, every cell run, every widget drawn."""
    raw = (BOOK / name).read_bytes()  # read once: its hash, its widgets, its Markdown
    stored = hashlib.sha256(raw).hexdigest()
    nb = nbformat.reads(raw.decode(), as_version=4)
    stored_widgets = sum(
        "application/vnd.jupyter.widget-view+json" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    visit, _ = open_notebook(browser, lab, name, len(markdown_sources(nb)))
    try:
        report = visit.evaluate(RUN_ALL, timeout=900)
        visit.pump(timeout=1.0)  # let the last outputs paint
        screenshot(visit, f"{Path(name).stem}-run")
    finally:
        visit.close()
    assert "problem" not in report, f"{name}: {report['problem']}"
    problems = []
    if report["errors"]:
        problems.append(f"cells raised: {report['errors']}")
    if not report["ok"] and not report["errors"]:
        problems.append("Run All Cells reported a failure without an error output")
    if report["unrun"]:
        problems.append(f"{len(report['unrun'])} of {report['code']} code cells not run")
    if report["widgets"] < stored_widgets:
        problems.append(f"{report['widgets']} widgets shown, {stored_widgets} stored")
    if report["widgetProblems"]:
        problems.append(f"widgets not drawn: {report['widgetProblems']}")
    if hashlib.sha256((BOOK / name).read_bytes()).hexdigest() != stored:
        problems.append("the notebook file changed on disk (a save from the UI)")
    assert not problems, f"{name} run in JupyterLab ({report['seconds']:.0f} s):\n  " + "\n  ".join(
        problems
    )
