# -*- coding: utf-8 -*-
# Copyright: (c) 2026, multinic.vmotion contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's document model: a section is an anchor, a title and blocks, built once (_render.sections) and rendered
twice, as Markdown lines and as HTML. A block is one of:

- ``("text", words)``: a paragraph;
- ``("verdict", words, clean)``: the section's verdict (bold in Markdown, coloured in HTML);
- ``("table", header, rows, css)``: a table of plain values; a cell may be ``(value, css class)`` to colour it in HTML;
- ``("bullets", items)``: a list.

Every value is text to the renderers: Markdown escapes table cells, HTML escapes everything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from html import escape


def section(anchor, title, *blocks):
    return {"anchor": anchor, "title": title, "blocks": [b for b in blocks if b is not None]}


def md_cell(value):
    """Text safe inside a Markdown table cell (a coloured cell's text)."""
    value = value[0] if isinstance(value, tuple) else value
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|") or " "


def md_table(header, rows):
    lines = ["| %s |" % " | ".join(md_cell(c) for c in header), "|%s|" % "|".join([" --- "] * len(header))]
    lines.extend("| %s |" % " | ".join(md_cell(c) for c in row) for row in rows)
    return lines


def markdown(doc):
    """A section as Markdown lines, ending with a blank line."""
    lines = ["## %s" % doc["title"], ""]
    for block in doc["blocks"]:
        kind = block[0]
        if kind == "text":
            lines.extend([block[1], ""])
        elif kind == "verdict":
            lines.extend(["**%s.**" % block[1], ""])
        elif kind == "bullets":
            lines.extend(["- %s" % item for item in block[1]] + [""])
        else:
            lines.extend(md_table(block[1], block[2]) + [""])
    return lines


def h(value):
    """Any value as escaped HTML text (None as empty)."""
    return escape("" if value is None else str(value), quote=True)


def html_table(header, rows, css=None):
    """A table of escaped text; a cell may be (text, class) to colour it."""
    out = ["<table%s><thead><tr>%s</tr></thead><tbody>" % (' class="%s"' % h(css) if css else "", "".join("<th>%s</th>" % h(c) for c in header))]
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                cells.append('<td class="%s">%s</td>' % (h(cell[1]), h(cell[0])))
            else:
                cells.append("<td>%s</td>" % h(cell))
        out.append("<tr>%s</tr>" % "".join(cells))
    return "".join(out) + "</tbody></table>"


def html(doc):
    """A section as one HTML string."""
    out = ['<section id="%s"><h2>%s</h2>' % (h(doc["anchor"]), h(doc["title"]))]
    for block in doc["blocks"]:
        kind = block[0]
        if kind == "text":
            out.append("<p>%s</p>" % h(block[1]))
        elif kind == "verdict":
            out.append('<p class="verdict %s">%s</p>' % ("clean" if block[2] else "dirty", h(block[1])))
        elif kind == "bullets":
            out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % h(item) for item in block[1]))
        else:
            out.append(html_table(block[1], block[2], block[3]))
    return "".join(out) + "</section>"
