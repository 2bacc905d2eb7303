"""Rendering of `seqlab translit report`: sections of text, tables and PNGs into one self-contained HTML
file (pictures as base64 data URIs, so the report can be mailed or archived alone) and a Markdown twin that
links PNG files written beside it."""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqlab.io import atomic_path, write_text_atomic

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.6em 0;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#34495e;color:#fff}tr:nth-child(even){background:#f4f6f8}img{max-width:100%;border:1px solid #ddd}
.note{color:#666;font-style:italic}.grid{display:flex;flex-wrap:wrap;gap:10px}.grid img{max-width:340px}"""


@dataclass
class Section:
    """One report section: a heading and blocks (text, image, table, note, link) rendered to HTML and Markdown."""

    title: str
    blocks: list[tuple] = field(default_factory=list)

    def text(self, value: str) -> "Section":
        self.blocks.append(("text", value))
        return self

    def note(self, value: str) -> "Section":
        self.blocks.append(("note", value))
        return self

    def image(self, name: str, png: bytes | None, alt: str, missing: str = "") -> "Section":
        self.blocks.append(("image", name, png, alt) if png else ("note", f"No {alt.lower()}: {missing}."))
        return self

    def table(self, headers: list[str], rows: list[list[Any]]) -> "Section":
        self.blocks.append(("table", headers, rows))
        return self

    def link(self, label: str, href: str) -> "Section":
        self.blocks.append(("link", label, href))
        return self


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def to_html(title: str, sections: list[Section]) -> str:
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        images = [_html_block(b) for b in section.blocks if b[0] == "image"]
        parts += [_html_block(b) for b in section.blocks if b[0] != "image"]
        parts.append("<div class='grid'>" + "".join(images) + "</div>" if len(images) > 1 else "".join(images))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _html_block(block: tuple) -> str:
    kind = block[0]
    if kind == "text":
        return f"<p>{html.escape(block[1])}</p>"
    if kind == "note":
        return f"<p class='note'>{html.escape(block[1])}</p>"
    if kind == "link":
        return f"<p><a href='{html.escape(block[2])}'>{html.escape(block[1])}</a></p>"
    if kind == "table":
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(c))}</td>" for c in row) + "</tr>" for row in block[2])
        return f"<table><tr>{head}</tr>{body}</table>"
    data = base64.b64encode(block[2]).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{html.escape(block[3])}' title='{html.escape(block[3])}'>"


def to_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            kind = block[0]
            if kind in ("text", "note"):
                lines += [block[1] if kind == "text" else f"*{block[1]}*", ""]
            elif kind == "link":
                lines += [f"[{block[1]}]({block[2]})", ""]
            elif kind == "image":
                lines += [f"![{block[3]}]({block[1]})", ""]
            elif kind == "table":
                lines += ["| " + " | ".join(block[1]) + " |", "|" + "---|" * len(block[1])]
                lines += ["| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in block[2]] + [""]
    return "\n".join(lines)


def _markdown_cell(value: Any) -> str:
    return _cell(value).replace("|", "\\|")  # a literal | would end the cell


def write_report(out: Path, title: str, sections: list[Section]) -> Path:
    """PNG files (for the Markdown), report.md and report.html, each written atomically."""
    for section in sections:
        for block in section.blocks:
            if block[0] == "image":
                with atomic_path(out / block[1]) as tmp:
                    tmp.write_bytes(block[2])
    write_text_atomic(out / "report.md", to_markdown(title, sections))
    write_text_atomic(out / "report.html", to_html(title, sections))
    return out / "report.html"
