"""What the HTML book needs beyond Jupyter Book's defaults: no CDN, and MathJax-safe tags.

Each rule applies to every page, with nothing for authors to tag or remember; the
browser test (``tests/browser/test_built_book.py``) checks the result.

**Widgets.** A widget lives in a kernel; a web page has none. myst-nb would render a
widget's output as a placeholder that JavaScript from unpkg/cdnjs/jsdelivr fills from
the state saved in the notebook: offline, an empty box. Here an output whose mime
bundle holds a widget view (and its text/plain fallback, "interactive(children=(…")
becomes one line of text saying where the widget works, and no page loads the widget
manager. The chapter's static equivalent (an animation, small multiples) sits next to
it. ``scripts/notebooks.py execute`` also keeps no widget state in the notebooks.

**Animations.** matplotlib's ``to_jshtml()`` links Font Awesome 4 from a CDN for its
play buttons. The theme already ships Font Awesome 6, whose script draws the same
``fa fa-play`` icons, so the link is dropped.

**Thebe.** Jupyter Book always loads sphinx-thebe, which writes an inline script naming
thebe's CDN address (fetched only when a "live code" button is pressed). This book has
no such button (``launch_buttons.thebe`` is off), so the script is dead; it was also
emitted twice, and the second copy threw "Identifier 'THEBE_JS_URL' has already been
declared" on every page. It is dropped while thebe is off.

**Width.** ``book/_static/book.css`` sets code a little smaller and the "On this page"
column a little narrower, so that an 88-character line of code fits a 1280-pixel window.

**Tagged matrices.** Sphinx wraps display math that contains ``\\`` (a matrix, say) in
``split``, where MathJax refuses ``\tag{16}`` and shows a red error. Such an equation is
set in ``equation*`` instead, where ``\tag`` is allowed.
"""

import re

from docutils import nodes

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NOTE = "(interactive widget: run this notebook in Jupyter to use it)"
FONT_AWESOME_4 = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"\s*/?>'
)


def _is_widget_bundle(node) -> bool:
    return (
        isinstance(node, nodes.container)
        and node.get("nb_element") == "mime_bundle"
        and any(child.get("mime_type") == WIDGET_VIEW for child in node.children)
    )


def widget_note() -> nodes.paragraph:
    """The paragraph that stands in for a widget's output."""
    return nodes.paragraph("", "", nodes.emphasis(NOTE, NOTE), classes=["widget-note"])


def _needs_equation_env(node) -> bool:
    if not isinstance(node, nodes.math_block):
        return False
    text = node.astext()
    return (
        not node.get("nowrap")
        and not node.get("number")
        and r"\tag" in text
        and r"\\" in text
        and len([part for part in text.split("\n\n") if part.strip()]) == 1
    )


def rewrite_doctree(app, doctree) -> None:
    """Apply the rules to one page as it is read (doctree-read)."""
    for bundle in list(doctree.findall(_is_widget_bundle)):
        bundle.replace_self(widget_note())
    for raw in list(doctree.findall(nodes.raw)):
        if "html" in raw.get("format", "") and FONT_AWESOME_4.search(raw.astext()):
            html = FONT_AWESOME_4.sub("", raw.astext())
            raw.replace_self(nodes.raw(html, html, **raw.attributes))
    for math in list(doctree.findall(_needs_equation_env)):
        tex = "\\begin{equation*}\n" + math.astext().strip() + "\n\\end{equation*}"
        wrapped = nodes.math_block(tex, tex, **math.attributes)
        wrapped["nowrap"] = True
        math.replace_self(wrapped)
    # myst-nb queues its CDN scripts (require.js, the embed manager) and the widget state
    # per page when the notebook has saved widget state; none of it is wanted.
    page = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    js_files = page.get("js_files", {})
    for key in [k for k in js_files if k.startswith("ipywidgets")]:
        del js_files[key]


def _thebe_on(config) -> bool:
    launch = (config.html_theme_options or {}).get("launch_buttons", {}) or {}
    thebe = getattr(config, "thebe_config", {}) or {}
    return bool(launch.get("thebe")) or str(thebe.get("always_load")) in {"True", "true"}


def drop_dead_thebe_config(app, pagename, templatename, context, doctree) -> None:
    """Remove sphinx-thebe's inline CDN configuration from pages when thebe is off."""
    if _thebe_on(app.config) or "script_files" not in context:
        return
    context["script_files"] = [
        script
        for script in context["script_files"]
        if "THEBE_JS_URL" not in getattr(script, "attributes", {}).get("body", "")
    ]


def setup(app):
    # book/_static/book.css (the static folder is added by the digit_pad extension)
    app.add_css_file("book.css")
    app.connect("doctree-read", rewrite_doctree)
    app.connect("html-page-context", drop_dead_thebe_config)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
