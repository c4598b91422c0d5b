"""A tiny document model rendered both as Markdown (figures beside it) and as one self-contained
HTML file (figures inlined as data URIs), so the report reads the same either way."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path


class Document:
    """Blocks in reading order, each kept as Markdown and as HTML; ``path`` of a figure is relative
    to the report's folder (the HTML inlines the file, so it is read when the HTML is rendered)."""

    def __init__(self) -> None:
        self._blocks: list[tuple[str, Callable[[Path], str]]] = []

    def _add(self, markdown: str, markup: str | Callable[[Path], str]) -> None:
        self._blocks.append((markdown, markup if callable(markup) else lambda _base: markup))

    def heading(self, text: str, level: int = 2) -> None:
        self._add("#" * level + " " + text, f"<h{level}>{html.escape(text)}</h{level}>")

    def text(self, text: str) -> None:
        self._add(text, f"<p>{_inline(text)}</p>")

    def bullets(self, items: Sequence[str]) -> None:
        markup = "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>"
        self._add("\n".join(f"- {i}" for i in items), markup)

    def table(self, header: Sequence[object], rows: Sequence[Sequence[object]]) -> None:
        names, cells = [str(h) for h in header], [[str(c) for c in r] for r in rows]
        lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells]
        head = "".join(f"<th>{html.escape(h)}</th>" for h in names)
        body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in cells)
        self._add("\n".join(lines), f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def figure(self, path: str, caption: str) -> None:
        def inlined(base: Path) -> str:
            data = base64.b64encode((base / path).read_bytes()).decode("ascii")
            return (
                f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )

        self._add(f"![{caption}]({path})\n\n*{caption}*", inlined)

    def code(self, text: str) -> None:
        self._add("```\n" + text.rstrip() + "\n```", f"<pre><code>{html.escape(text.rstrip())}</code></pre>")

    def to_markdown(self) -> str:
        return "\n\n".join(markdown for markdown, _ in self._blocks) + "\n"

    def to_html(self, base: Path, title: str) -> str:
        style = (
            "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
            "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
            "th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}figcaption{color:#555;font-style:italic}"
            "pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:85%}code{background:#f6f6f6}"
        )
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{style}</style></head><body>\n"
            + "\n".join(render(base) for _, render in self._blocks)
            + "\n</body></html>\n"
        )


def _inline(text: str) -> str:
    """Escape text and render the Markdown the report uses inline: `code` and **bold**."""
    code = re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))
    return re.sub(r"\*\*(.*?)\*\*", r"<strong>\1</strong>", code)
