"""The post-mortem as one printable HTML page: the `html` export format, and the page the PDF
is printed from.

A pure function of the post-mortem's Markdown text: it opens no database and reads no clock, so
it can be tested on any input. Everything a person typed is hostile here: a note can hold HTML,
links that hide where they go, or images that would be fetched from elsewhere. The page
neutralises what is dangerous in it and nothing else, so the text still reads as it was written.
"""

import html
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The one piece of HTML the post-mortem generator writes itself: a line break inside a table
# cell or list item (`console.postmortem.escape_inline`). Typed `<` is escaped to `&lt;` before
# it reaches the Markdown, so this only ever matches the generator's own (or the owner's).
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _line_break(state, silent: bool) -> bool:
    """Inline rule: `<br>` is a hard line break, although raw HTML is otherwise off."""
    found = _LINE_BREAK.match(state.src, state.pos) if state.src[state.pos] == "<" else None
    if found is None:
        return False
    if not silent:
        state.push("hardbreak", "br", 0)
    state.pos = found.end()
    return True


def _plain(tokens) -> str:
    """The text a reader sees for these inline tokens."""
    out = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif token.type == "image":
            out.append(_plain(token.children or ()))
    return "".join(out)


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _inert_links(state) -> None:
    """Core rule: nothing loads from elsewhere, and no link hides where it goes.

    An image would be fetched the moment the page is opened, telling its host who read the
    post-mortem and when: every image but an inline `data:` one becomes a link to its address.
    A link whose text is not its own address (`[https://status.example.com](https://evil…)`)
    is followed by the address it really opens, in brackets, on screen and on paper.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        opened: list[int] = []  # where each open link's text starts in `out`
        for token in block.children:
            if token.type == "image" and not str(token.attrGet("src") or "").lower().startswith("data:"):
                src = str(token.attrGet("src") or "")
                alt = _plain(token.children or ()).strip()
                label = f"image: {alt}" if alt else "image"
                if opened:  # already inside a link: text only, links do not nest
                    out.append(_text(f"{label} ({src})"))
                    continue
                link = Token("link_open", "a", 1)
                link.attrSet("href", src)
                out += [link, _text(label), Token("link_close", "a", -1), _text(f" ({src})")]
                continue
            out.append(token)
            if token.type == "link_open":
                opened.append(len(out))
            elif token.type == "link_close" and opened:
                start = opened.pop()
                href = str(out[start - 1].attrGet("href") or "")
                shown = _plain(out[start:-1]).strip()
                if shown != href and f"mailto:{shown}" != href:
                    out.append(_text(f" ({href})"))
        block.children = out


def _renderer() -> MarkdownIt:
    # CommonMark with raw HTML switched off (`html=False`): `<script>` or `<img onerror=...>` in
    # the source comes out as visible text, escaped. markdown-it also refuses `javascript:`,
    # `vbscript:`, `file:` and non-image `data:` link targets. Tables (GFM) are turned on
    # because the template's Timeline and Impact sections are tables. `<br>` is a line break
    # (`_line_break`); images and links are made inert and honest (`_inert_links`).
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )
    md.inline.ruler.before("autolink", "line_break", _line_break)
    md.core.ruler.push("inert_links", _inert_links)
    return md


# Small and printable: the post-mortem is read on paper or as a PDF at the meeting. A link whose
# text is not its address already shows the address after it (`_inert_links`), on paper too.
_STYLE = """\
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: #111; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; margin: 1.4em 0 .5em; }
h1 { font-size: 1.7em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; font-size: .95em; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #eee; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
pre { background: #f4f4f4; padding: .6em; white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote { margin: 1em 0; padding-left: 1em; border-left: 3px solid #ccc; color: #444; }
@page { margin: 18mm 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; }
  tr, pre, blockquote { break-inside: avoid; }
  thead { display: table-header-group; }
  .marking { position: fixed; top: 0; left: 0; right: 0; }
  body.marked { padding-top: 2em; }
}
.marking { font-weight: bold; text-align: center; letter-spacing: .05em; text-transform: uppercase;
           border-bottom: 2px solid #111; padding: .2em 0; background: #fff; }
"""

# Belt and braces: even if markup ever slipped through, the page may run no script and load
# nothing at all from elsewhere - only its own inline style and images inside the page.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def postmortem_html(markdown: str, *, title: str, running: str | None = None) -> str:
    """The post-mortem as one self-contained, printable HTML page.

    The Markdown is rendered with raw HTML disabled, so nothing a person typed can become
    markup: tags show as text, unsafe link targets stay plain text; the generator's `<br>` is a
    line break. Nothing is loaded from elsewhere (a remote image becomes a link to it) and a
    link whose text is not its address shows the address. The title is escaped. The page
    carries its stylesheet inline and a Content-Security-Policy that forbids scripts and any
    load from outside the page. `running` (a security incident's marking) heads the page and,
    printed, every page.
    """
    body = _renderer().render(markdown)
    marked = f'<div class="marking">{html.escape(running)}</div>\n' if running else ""
    opening = '<body class="marked">' if running else "<body>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title, quote=True)}</title>\n"
        f"<style>\n{_STYLE}</style>\n</head>\n{opening}\n{marked}<main>\n{body}</main>\n</body>\n</html>\n"
    )
