"""The objects of a page's JSON-LD scripts, walked breadth first within a bound."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator

from lxml import etree


def json_ld_objects(tree: etree._Element, *, limit: int, deep: bool = False, marker: str = "") -> Iterator[dict]:
    """Each JSON-LD object of ``tree``, script by script, breadth first.

    Lists are opened, and so is each object's ``@graph``; with ``deep``, every nested object.
    At most ``limit`` items per script are looked at (a product catalogue is not worth walking
    in full). ``marker``: skip scripts whose text lacks it, before parsing them. Broken JSON is
    skipped.
    """
    for script in tree.iter("script"):
        text = script.text or ""
        if "ld+json" not in (script.get("type") or "") or not text or (marker and marker not in text):
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        queue, seen = deque([data]), 0
        while queue and seen < limit:
            item, seen = queue.popleft(), seen + 1
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                yield item
                if deep:
                    queue.extend(v for v in item.values() if isinstance(v, (dict, list)))
                elif isinstance(graph := item.get("@graph"), list):
                    queue.extend(graph)
