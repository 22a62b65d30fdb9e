"""Serve MathJax from the built book itself, so the math renders with no network.

The files come from the PyPI package ``sphinx-mathjax-offline`` (installed by
requirements.txt). Its folder is named with dashes, so Sphinx cannot import it
as an extension; this shim does what it would: copy its MathJax into
``_static/mathjax`` and point Sphinx at it. No JavaScript is kept in this repository.
"""

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset


def _mathjax_folder() -> Path:
    try:
        folder = Path(distribution("sphinx-mathjax-offline").locate_file(""))
    except PackageNotFoundError:
        raise ExtensionError(
            "sphinx-mathjax-offline is not installed: run pip install -r requirements.txt"
        ) from None
    folder = folder / "sphinx-mathjax-offline" / "static" / "mathjax"
    if not (folder / "tex-chtml.js").exists():
        raise ExtensionError(f"MathJax not found in the sphinx-mathjax-offline package ({folder})")
    return folder


def _copy(app, exception):
    if exception is None and app.builder.format == "html":
        copy_asset(str(_mathjax_folder()), str(Path(app.outdir) / "_static" / "mathjax"))


def setup(app):
    _mathjax_folder()  # fail early, with advice, if the package is missing
    app.connect("build-finished", _copy)
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
