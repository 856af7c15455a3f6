"""MkDocs hook: show the Sphinx roles of docstrings (``:class:`~a.b.C```) as code (``C``).

The package's docstrings use Sphinx cross-reference roles; mkdocstrings renders their backticks
as code but leaves the role name in front (``:class:ModelError``). This hook removes the role
and, as Sphinx does for ``~``, keeps only the last part of a dotted name.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|func|mod|meth|data|attr|exc|obj):<code>(~?)([^<]+)</code>")


def _plain(match: re.Match[str]) -> str:
    name = match.group(2)
    if match.group(1):  # ~a.b.C -> C
        name = name.rsplit(".", 1)[-1]
    return f"<code>{name}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_plain, html)
