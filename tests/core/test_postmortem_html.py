"""The post-mortem as HTML: hostile Markdown goes in, the same text comes out, inert.

The page is read back with the standard library's HTML parser, which sees it as a browser's
tokenizer would.
"""

from html.parser import HTMLParser

import pytest

from console.postmortem_html import postmortem_html

class Page(HTMLParser):
    """Every element and attribute of a page, and its text, as a browser would tokenize it."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag):]

    def handle_data(self, data):
        self.text.append((self._in[-1] if self._in else "", data))

    def names(self) -> list[str]:
        return [tag for tag, _ in self.tags]

    def text_in(self, tag: str) -> str:
        return "".join(data for where, data in self.text if where == tag)


HOSTILE_MARKDOWN = """\
# Post-mortem: INC-7 <script>alert(1)</script>

<script>alert(document.cookie)</script>

<img src=x onerror="alert(1)">

<div onclick="alert(1)">*click*</div>

Inline <b onmouseover=alert(1)>bold</b> and <iframe src="https://evil.example"></iframe>.

[a link](javascript:alert(1)) · [data](data:text/html;base64,PHNjcmlwdD4=) ·
<javascript:alert(1)> · [fine](https://status.example.org/incidents/7 "status")

![graph](https://grafana.example.org/render/d/abc.png "onerror=alert(1)")

<style>body { display: none }</style>

```html
<script>alert("in a code block")</script>
```

## Timeline

| Time (UTC) | Event | Data Link |
|---|---|---|
| 14:02 | Page sent <script>x()</script> | [graph](https://grafana.example.org/d/1) |
| 14:10 | Rolled back `deploy 4121` \\| pipes | <a href="x" onclick="y">n/a</a> |
"""


def test_hostile_markdown_renders_no_script_and_no_event_handler():
    page_text = postmortem_html(HOSTILE_MARKDOWN, title="INC-7")
    page = Page(page_text)
    names = page.names()
    assert not {"script", "iframe", "div", "b", "object", "embed"} & set(names)
    # The Markdown image is not loaded: it is a link to its address ("onerror" was only its title).
    assert "img" not in names
    assert {"href": "https://grafana.example.org/render/d/abc.png"} in [a for t, a in page.tags if t == "a"]
    assert names.count("style") == 1  # ours, in the head
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert value.startswith(("https:", "#")), (tag, name, value)
    assert {"h1", "h2", "table", "thead", "tbody", "th", "td", "pre", "code", "a"} <= set(names)
    # The typed markup is still there to read, as text.
    body = "".join(data for _, data in page.text)
    assert "<script>alert(document.cookie)</script>" in body
    assert '<img src=x onerror="alert(1)">' in body
    assert '<script>alert("in a code block")</script>' in page.text_in("code")


def test_a_table_renders_as_a_table():
    page = Page(postmortem_html(HOSTILE_MARKDOWN, title="INC-7"))
    headers = [data.strip() for where, data in page.text if where == "th" and data.strip()]
    assert headers == ["Time (UTC)", "Event", "Data Link"]
    assert page.names().count("tr") == 3
    cells = page.text_in("td")
    assert "Page sent <script>x()</script>" in cells
    assert "| pipes" in cells


def test_the_title_is_escaped_and_the_page_is_self_contained():
    title = 'INC-7 </title><script>alert(1)</script> & "quotes"'
    page_text = postmortem_html("# x\n", title=title)
    page = Page(page_text)
    assert page.text_in("title") == title
    assert "script" not in page.names()
    assert page_text.startswith("<!DOCTYPE html>")
    assert "@media print" in page.text_in("style")
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    # Nothing is loaded from elsewhere.
    assert not [t for t, a in page.tags if t == "link" or (t != "img" and "src" in a)]



REMOTE_MARKDOWN = """\
# Post-mortem

![tracking pixel](https://tracker.example/p.png?who=reader) and ![](http://plain.example/x.gif)

![local](/home/ana/.ssh/screenshot.png) ![ref image][graph]

[![badge](https://badges.example/b.svg)](https://ci.example/build/7)

| Time | Event |
|---|---|
| 14:02 | ![cell](https://cells.example/c.png) |

[graph]: https://grafana.example.org/render/1.png
"""


def test_no_export_loads_anything_remote():
    page_text = postmortem_html(REMOTE_MARKDOWN, title="INC-7")
    page = Page(page_text)
    # No element fetches anything: no image, and nothing else with a source.
    assert "img" not in page.names()
    assert not [(t, a) for t, a in page.tags if "src" in a or t in ("link", "object", "embed", "iframe")]
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert "http" not in csp and "*" not in csp and directives["img-src"] == "data:"
    # Each image is still there to follow by hand: its address is shown as text.
    text = "".join(data for _, data in page.text)
    for address in ("https://tracker.example/p.png?who=reader", "http://plain.example/x.gif",
                    "/home/ana/.ssh/screenshot.png", "https://grafana.example.org/render/1.png",
                    "https://badges.example/b.svg", "https://cells.example/c.png"):
        assert address in text, address
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    assert "https://tracker.example/p.png?who=reader" in hrefs and "https://ci.example/build/7" in hrefs
    assert page.names().count("a") == len(hrefs)  # a linked image gives one link, not nested ones


def test_an_inline_data_image_is_kept_as_it_loads_nothing():
    pixel = "data:image/png;base64,iVBORw0KGgo="
    page = Page(postmortem_html(f"![dot]({pixel})\n", title="x"))
    assert [a["src"] for t, a in page.tags if t == "img"] == [pixel]


def visible_links(page_text: str) -> list[tuple[str, str]]:
    """Each link's address and the text a reader sees from it to the end of its line."""
    out = []
    for line in page_text.splitlines():
        for piece in line.split("<a ")[1:]:
            href = piece.split('href="', 1)[1].split('"', 1)[0]
            out.append((href, "".join(data for _, data in Page("<a " + piece).text)))
    return out


@pytest.mark.parametrize("markdown, shown", [
    ("[https://status.example.com](https://evil.example/login)",
     "https://status.example.com (https://evil.example/login)"),
    ("[the runbook](https://wiki.example/rb)", "the runbook (https://wiki.example/rb)"),
    ("[status.example.com](https://status.example.com)", "status.example.com (https://status.example.com)"),
    ("[see][ref]\n\n[ref]: https://evil.example/r", "see (https://evil.example/r)"),
    # A domain that only looks like a familiar one shows the address it really is.
    ("<https://xn--pypal-4ve.com/login>", "https://p\u0430ypal.com/login (https://xn--pypal-4ve.com/login)"),
])
def test_a_link_whose_text_differs_from_its_target_shows_the_target(markdown, shown):
    page_text = postmortem_html(markdown + "\n", title="x")
    [(href, text)] = visible_links(page_text)
    assert text == shown
    assert href in text


@pytest.mark.parametrize("markdown", [
    "[https://status.example.com/](https://status.example.com/)", "<https://status.example.com/>",
    "<ana@example.com>",
])
def test_a_link_that_shows_its_own_address_shows_it_once(markdown):
    [(href, text)] = visible_links(postmortem_html(markdown + "\n", title="x"))
    assert text in href and "(" not in text


def test_multi_line_notes_render_with_line_breaks():
    from console.postmortem import escape_inline

    note = escape_inline("first line\nsecond line\r\nthird <br> typed")
    markdown = f"| Time | Event |\n|---|---|\n| 14:02 | {note} |\n\n- [ ] {note}\n"
    page = Page(postmortem_html(markdown, title="x"))
    assert page.names().count("br") == 4  # two in the cell, two in the list item
    text = "".join(data for _, data in page.text)
    assert "first line" in text and "second line" in text
    assert "<br>" not in text.replace("third <br> typed", "")  # the generator's breaks are breaks
    assert text.count("third <br> typed") == 2  # a typed tag is still text
    assert "<br>" not in page.text_in("td").replace("third <br> typed", "")
