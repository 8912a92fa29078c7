"""The self-contained HTML page both reports are written as.

`tune report` and `tune data explore` share one page shell: the same head,
CSS, nav and sections, so the two pages look alike and change together.
plotly.js is inlined once in the page head (no CDN link), so the file opens on
a machine with no network; each figure brings only its own div and data. The
file is written beside `out` under a temporary name and renamed into place, so
a failure never leaves half a page.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from cnntune.atomic_files import replaced_atomically
from cnntune.errors import ReportError

# The rules both pages share; each report adds its own through `extra_css`.
_CSS = """\
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #222; }
.meta, .note { color: #666; }
.note { font-style: italic; background: #f6f6f6; padding: .6rem 1rem; border-left: 4px solid #bbb; }
section { margin-top: 2rem; border-top: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .25rem .9rem .25rem 0; border-bottom: 1px solid #eee; }
"""


class Section(NamedTuple):
    id: str
    title: str
    body: str  # HTML


def esc(value: Any) -> str:
    """`value` as text safe inside HTML."""
    return html.escape(str(value))


def note(text: str) -> str:
    """A grey italic note paragraph."""
    return f'<p class="note">{esc(text)}</p>'


def table(rows: list[tuple[str, str]], css_id: str) -> str:
    """A two-column table: one header cell and one value cell per row."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table id="{css_id}">{body}</table>'


def figure_html(fig: Any, div_id: str) -> str:
    """A plotly figure as a div; plotly.js is in the page head already."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False})


def drawn(draw: Callable[[], Any], div_id: str) -> str:
    """The figure `draw` makes, or a note saying why it could not be drawn.

    One odd study (a parameter optuna cannot plot) should cost one figure, not the report.
    """
    try:
        return figure_html(draw(), div_id)
    except Exception as exc:  # whatever optuna or plotly raise here, only this figure is lost
        return note(f"This figure could not be drawn: {type(exc).__name__}: {exc}")


def render_page(title: str, meta_html: str, sections: list[Section], plotly_js: str, extra_css: str = "") -> str:
    """The whole page: head with the CSS and plotly.js, title, meta line, nav, sections.

    Args:
        title: the page's title and heading (plain text; escaped here).
        meta_html: the line under the heading (HTML; escape its parts before).
        sections: the page's sections, in order; each also gets a nav link.
        plotly_js: the plotly.js source, inlined once.
        extra_css: CSS rules of this page only, after the shared ones.
    """
    nav = " · ".join(f'<a href="#{s.id}">{esc(s.title)}</a>' for s in sections)
    body = "\n".join(f'<section id="{s.id}">\n<h2>{esc(s.title)}</h2>\n{s.body}\n</section>' for s in sections)
    css = _CSS + (extra_css.strip("\n") + "\n" if extra_css else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<style>
{css}</style>
<script type="text/javascript">{plotly_js}</script>
</head>
<body>
<h1>{esc(title)}</h1>
<p class="meta">{meta_html}</p>
<nav>{nav}</nav>
{body}
</body>
</html>
"""


def check_out(out: Path) -> None:
    """Refuses an `out` that is a folder or whose folder does not exist, before any work."""
    if out.is_dir():
        raise ReportError(f"--out {out} is a folder; give an .html file path")
    if not out.parent.is_dir():
        raise ReportError(f"--out {out}: folder {out.parent} does not exist")


def write_atomically(out: Path, text: str) -> None:
    """Writes `text` to `out` through a temporary file beside it, renamed into place."""
    try:
        # 0644: a private temporary file's 0600 would hide the report from a web server or a colleague
        with replaced_atomically(out, mode=0o644) as file:
            file.write(text)
    except OSError as exc:
        raise ReportError(f"--out {out}: cannot write in {out.parent} ({exc.strerror or exc})") from None
