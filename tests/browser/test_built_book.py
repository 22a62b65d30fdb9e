"""The built HTML book, opened page by page in headless Chromium, with no network.

    jupyter-book build --all -W -n --keep-going .
    PPN_BROWSER_TEST=1 pytest tests/browser        # .ci/run does this after the build

Skipped unless ``PPN_BROWSER_TEST=1`` (the default ``pytest --nbval`` run does not need
a browser). The book is read from ``_build/html`` (or ``PPN_BOOK_HTML``) and served on
127.0.0.1; Chromium (``/usr/bin/chromium``, or ``PPN_CHROMIUM``) resolves no other host,
so any request that would leave the machine fails the page. Each page fails if its
math is left as raw TeX, an image or script does not load, a widget or output box is
empty, or it logs a JavaScript error. A screenshot of every page goes to
``_build/screenshots/``.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), which needs nothing
beyond the standard library.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("PPN_BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = HTML.parent / "screenshots"
ENABLED = os.environ.get("PPN_BROWSER_TEST") == "1"
WIDTH, HEIGHT = 1280, 900  # a laptop screen
MAX_SHOT_HEIGHT = 16000  # Chromium's limit for one capture is about 16,384 px

pytestmark = pytest.mark.skipif(not ENABLED, reason="set PPN_BROWSER_TEST=1 to run")


def pages() -> list[str]:
    """Every HTML page of the build, as a path relative to its root."""
    if not HTML.is_dir():
        return []
    skip = {"_static", "_sources", "_images", "jupyter_execute"}
    found = [p for p in HTML.rglob("*.html") if not skip & set(p.relative_to(HTML).parts)]
    return sorted(p.relative_to(HTML).as_posix() for p in found)


def chapters() -> list[str]:
    return [p for p in pages() if p.startswith("book/") and p[5:7].isdigit()]


# --- the DevTools protocol over a pipe ------------------------------------------------


class Browser:
    """Headless Chromium and one DevTools connection: commands, replies and events."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="ppn-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--mute-audio",
            # Offline by construction: every host but the local server is unresolvable.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # The shell moves the pipes to fds 3 (commands in) and 4 (replies out), where
        # Chromium expects them, without a preexec_fn (unsafe beside the server thread).
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', executable]
            + flags,
            stdin=to_chrome_r,
            stdout=from_chrome_w,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.version = self.send("Browser.getVersion", timeout=30)["product"]

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_chrome, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        box = self._replies.pop(message["id"], None)
                    if box is not None:
                        box.put(message)
                else:
                    self.events.put(message)

    def send(self, method: str, params=None, session: str | None = None, timeout=20.0):
        """Send one command and return its result (raise on a protocol error)."""
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            box = self._replies[message_id] = queue.Queue()
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        try:
            reply = box.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{method}: no reply from Chromium in {timeout} s") from None
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


class Visit:
    """One page opened in a fresh tab; what the browser reported while it loaded."""

    def __init__(self, browser: Browser, url: str):
        self.browser, self.url = browser, url
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.target = target
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        self.favicon = "/".join(url.split("/")[:3]) + "/favicon.ico"
        self.requests: dict[str, str] = {}
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []
        self.loaded = False
        self.navigations = 0
        self.call("Page.navigate", {"url": url})
        self.pump(until=lambda: self.navigations, timeout=30)
        self.pump(until=lambda: self.loaded, timeout=30)

    def call(self, method: str, params=None, timeout=20.0):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression: str, timeout=20.0):
        """The value of a JavaScript expression (awaited if it is a promise)."""
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression[:60]}…: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def pump(self, until=lambda: False, timeout=1.0) -> None:
        """Record this tab's events until ``until()`` holds or ``timeout`` s pass."""
        deadline = time.monotonic() + timeout
        while not until() and (left := deadline - time.monotonic()) > 0:
            try:
                event = self.browser.events.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            if event.get("sessionId") == self.session:
                self._record(event["method"], event.get("params", {}))

    def _record(self, method: str, params: dict) -> None:
        url = (params.get("request") or params.get("response") or params.get("entry") or {}).get(
            "url", self.requests.get(params.get("requestId"), "")
        )
        if url == self.favicon:
            return  # asked by the browser itself, for a page that names no icon (the redirect)
        if method == "Page.loadEventFired":
            self.loaded = True
        elif method == "Page.frameNavigated" and not params["frame"].get("parentId"):
            self.navigations += 1
            self.loaded = False
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            self.requests[params["requestId"]] = url
            if not url.startswith(("http://127.0.0.1", "file://", "data:", "blob:", "about:")):
                self.external.append(url)
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = self.requests.get(params["requestId"], "?")
            self.failed.append(f"{url}: {params.get('errorText')}")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            self.failed.append(f"{params['response']['url']}: HTTP {params['response']['status']}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.errors.append(f"uncaught exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}")

    def screenshot(self, path: Path) -> None:
        """The first screen as ``path``, and the whole page beside it as ``*-full.png``.

        For the whole page the window is made as tall as the page (up to
        MAX_SHOT_HEIGHT), which keeps the theme's sticky sidebars where a reader sees them.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot")["data"]))
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        height = min(int(size["height"]), MAX_SHOT_HEIGHT)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        shot = self.call("Page.captureScreenshot", {"format": "png"}, timeout=60)
        full = path.with_name(path.stem + "-full.png")
        full.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})


# --- what a page must satisfy ---------------------------------------------------------

# Load every image now (not lazily), then wait for MathJax to finish typesetting.
SETTLE = """(async () => {
  for (const img of document.images) img.loading = "eager";
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  return true;
})()"""

# What the reader sees, gathered in the page. Text inside code, preformatted outputs
# and rendered math is skipped when looking for raw TeX: code may hold TeX legitimately.
INSPECT = r"""(() => {
  const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
  const skip = new Set(["PRE", "CODE", "SCRIPT", "STYLE", "TEXTAREA", "MJX-CONTAINER"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const prose = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let parent = node.parentElement, hidden = false;
    while (parent && parent !== document.body) {
      if (skip.has(parent.tagName)) { hidden = true; break; }
      parent = parent.parentElement;
    }
    if (!hidden) prose.push(node.nodeValue);
  }
  const text = prose.join(" ");
  const tex = [];
  for (const pattern of [/\$\$/, /\\\(/, /\\\[/, /\\begin\{/, /\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$/]) {
    const match = text.match(pattern);
    if (match) tex.push(text.slice(Math.max(0, match.index - 40), match.index + 60));
  }
  const broken = [...document.images]
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.getAttribute("src"));
  const visible = "img, svg, mjx-container, iframe, video, canvas, table";
  const empty = [...document.querySelectorAll("div.cell_output")]
    .filter(div => !div.innerText.trim() && !div.querySelector(visible))
    .map(div => div.closest(".cell") ? div.closest(".cell").innerText.slice(0, 80) : "?");
  const links = [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href"));
  // What a reader would have to scroll sideways to read: a code cell's source, or a display
  // equation wider than the column that holds it.
  const wide = el => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1;  // shown
  const cutCode = [...document.querySelectorAll("div.cell_input pre")]
    .filter(wide).map(pre => pre.textContent.split("\n").find(
      line => line.length === Math.max(...pre.textContent.split("\n").map(l => l.length))));
  const cutMath = [...document.querySelectorAll("mjx-container[display='true']")]
    .filter(m => m.scrollWidth > m.parentElement.clientWidth + 1 || wide(m))
    .map(m => (m.getAttribute("aria-label") || m.innerText || "?").slice(0, 80));
  return {
    title: document.title,
    math: document.querySelectorAll(".math").length,
    mathjax: document.querySelectorAll("mjx-container").length,
    mathjaxErrors: document.querySelectorAll("mjx-merror").length,
    tex: tex,
    images: document.images.length,
    broken: broken,
    widgetViews: document.querySelectorAll(`script[type="${WIDGET_VIEW}"]`).length,
    widgetNotes: document.querySelectorAll(".widget-note").length,
    emptyOutputs: empty,
    binder: links.filter(h => h.includes("mybinder.org")).length,
    colab: links.filter(h => h.includes("colab.research.google.com")).length,
    downloads: links.filter(h => h.includes("_sources/") && h.endsWith(".ipynb")),
    cutCode: cutCode,
    cutMath: cutMath,
  };
})()"""


def open_page(browser: Browser, server: str, page: str) -> tuple[Visit, dict]:
    """Open a page, follow a redirect if it makes one, let it settle and inspect it."""
    visit = Visit(browser, server + page)
    for _ in range(3):
        navigations = visit.navigations
        try:
            visit.evaluate(SETTLE, timeout=30)
            visit.pump(timeout=0.5)  # late console messages and requests
            seen = visit.evaluate(INSPECT)
        except RuntimeError:
            if visit.navigations == navigations:
                raise
        if visit.navigations == navigations:
            return visit, seen
        visit.pump(until=lambda: visit.loaded, timeout=30)  # the page moved (a redirect)
    raise AssertionError(f"{page} keeps navigating")


def test_the_book_has_pages():
    assert (HTML / "index.html").exists(), f"no built book in {HTML}"
    assert len(chapters()) >= 5, f"chapters found: {chapters()}"
    for reference in ("book/notation.html", "book/glossary.html", "book/bibliography.html"):
        assert reference in pages()


@pytest.mark.parametrize("page", pages())
def test_page(browser, server, page):
    """Math typeset, every resource loaded locally, no empty box, no JavaScript error."""
    visit, seen = open_page(browser, server, page)
    try:
        name = page.removesuffix(".html").replace("/", "__")
        visit.screenshot(SCREENSHOTS / f"{name}.png")
    finally:
        visit.close()
    check(page, visit, seen)
    if page in chapters():
        check_buttons(page, seen)
        check_nothing_cut_off(page, seen)


@pytest.mark.parametrize("page", ["book/index.html", *chapters()[2:3]])
def test_page_opened_from_disk(browser, page):
    """The same, opened as a file (what the README suggests), with no server at all."""
    visit, seen = open_page(browser, HTML.as_uri() + "/", page)
    visit.close()
    check(page, visit, seen)


def check(page: str, visit: Visit, seen: dict) -> None:
    problems = []
    if visit.external:
        problems.append(f"requests leave the machine: {visit.external}")
    if visit.failed:
        problems.append(f"failed to load: {visit.failed}")
    if visit.errors:
        problems.append(f"JavaScript errors: {visit.errors}")
    if seen["math"] and seen["mathjax"] < seen["math"]:
        problems.append(f"math not typeset: {seen['mathjax']} of {seen['math']} formulas")
    if seen["mathjaxErrors"]:
        problems.append(f"{seen['mathjaxErrors']} MathJax errors (red TeX) on the page")
    if seen["tex"]:
        problems.append(f"raw TeX in the text: {seen['tex']}")
    if seen["broken"]:
        problems.append(f"images that did not load: {seen['broken']}")
    if seen["widgetViews"]:
        problems.append(f"{seen['widgetViews']} widget placeholders (empty offline)")
    if seen["emptyOutputs"]:
        problems.append(f"empty output boxes after: {seen['emptyOutputs']}")
    assert not problems, f"{page} ({seen['title']}):\n  " + "\n  ".join(problems)


def check_nothing_cut_off(page: str, seen: dict) -> None:
    """At a 1280-pixel window no code cell or display equation of a chapter scrolls sideways."""
    problems = [f"code cell scrolls sideways at {WIDTH} px, its longest line: {line!r}"
                for line in seen["cutCode"]]  # fmt: skip
    problems += [f"display equation wider than the column: {m!r}" for m in seen["cutMath"]]
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


def check_buttons(page: str, seen: dict) -> None:
    """Binder and Colab launch this chapter; the download button offers its .ipynb."""
    assert seen["binder"] and seen["colab"], f"{page}: no Binder/Colab launch button"
    notebook = page.removesuffix(".html") + ".ipynb"
    assert any(href.endswith("_sources/" + notebook) for href in seen["downloads"]), seen
    offered = HTML / "_sources" / notebook
    assert json.loads(offered.read_text())["cells"], f"{offered} is not a notebook"
