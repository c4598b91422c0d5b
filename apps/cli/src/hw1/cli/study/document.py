"""A tiny document model rendered both as Markdown (figures beside it) and as one self-contained
HTML file (figures inlined as data URIs), so the report reads the same either way."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Block:
    kind: str  # heading | text | table | figure | code | list
    text: str = ""
    level: int = 2
    rows: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    path: str = ""
    items: list[str] = field(default_factory=list)


class Document:
    """Blocks in reading order; ``path`` of a figure is relative to the report's folder."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Block("heading", text, level=level))

    def text(self, text: str) -> None:
        self.blocks.append(Block("text", text))

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append(Block("list", items=list(items)))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.blocks.append(Block("table", header=[str(h) for h in header], rows=[[str(c) for c in r] for r in rows]))

    def figure(self, path: str, caption: str) -> None:
        self.blocks.append(Block("figure", caption, path=path))

    def code(self, text: str) -> None:
        self.blocks.append(Block("code", text))

    def to_markdown(self) -> str:
        out: list[str] = []
        for b in self.blocks:
            if b.kind == "heading":
                out.append("#" * b.level + " " + b.text)
            elif b.kind == "text":
                out.append(b.text)
            elif b.kind == "list":
                out.append("\n".join(f"- {i}" for i in b.items))
            elif b.kind == "table":
                lines = ["| " + " | ".join(b.header) + " |", "|" + "---|" * len(b.header)]
                lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in b.rows]
                out.append("\n".join(lines))
            elif b.kind == "figure":
                out.append(f"![{b.text}]({b.path})\n\n*{b.text}*")
            elif b.kind == "code":
                out.append("```\n" + b.text.rstrip() + "\n```")
        return "\n\n".join(out) + "\n"

    def to_html(self, base: Path, title: str) -> str:
        body: list[str] = []
        for b in self.blocks:
            if b.kind == "heading":
                body.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
            elif b.kind == "text":
                body.append(f"<p>{_inline(b.text)}</p>")
            elif b.kind == "list":
                body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
            elif b.kind == "table":
                head = "".join(f"<th>{html.escape(h)}</th>" for h in b.header)
                rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in b.rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif b.kind == "figure":
                data = base64.b64encode((base / b.path).read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img alt="{html.escape(b.text)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{html.escape(b.text)}</figcaption></figure>"
                )
            elif b.kind == "code":
                body.append(f"<pre><code>{html.escape(b.text.rstrip())}</code></pre>")
        style = (
            "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
            "th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}figcaption{color:#555;font-style:italic}"
            "pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:85%}code{background:#f6f6f6}"
        )
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
        )


def _inline(text: str) -> str:
    """Escape text and render the Markdown the report uses inline: `code` and **bold**."""
    out = html.escape(text)
    parts = out.split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    out = "".join(parts)
    bold = out.split("**")
    for i in range(1, len(bold), 2):
        bold[i] = f"<strong>{bold[i]}</strong>"
    return "".join(bold)
