"""Fixtures of the browser tests: the built book served locally, and headless Chromium.

Both are module-scoped, so each test module starts its own server and browser. The
constants and the DevTools client they use live in ``test_built_book.py``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading

import pytest
from test_built_book import HTML, Browser


@pytest.fixture(scope="module")
def server():
    """The built book on http://127.0.0.1:PORT/, served from a thread."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run jupyter-book build --all -W -n --keep-going .")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = os.environ.get("PPN_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if executable is None:
        pytest.fail("Chromium not found: apt-get install -y chromium (or set PPN_CHROMIUM)")
    chromium = Browser(executable)
    yield chromium
    chromium.close()
