"""One run of the link checker: cached answers first, the rest over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from zoogen.links.cache import LinkCache
from zoogen.links.check import CheckSettings, LinkChecker, LinkResult
from zoogen.links.collect import LinkTarget


def check_links(targets: list[LinkTarget], settings: CheckSettings, cache: LinkCache | None = None,
                progress: Callable[[LinkResult], None] | None = None) -> list[LinkResult]:
    """Results in the order of ``targets``; fresh cached answers are reused and nothing is sent for them."""
    cached = {id(t): hit for t in targets if cache and (hit := cache.get(t))}
    pending = [t for t in targets if id(t) not in cached]
    if progress:
        for hit in cached.values():
            progress(hit)
    checker = LinkChecker(settings)
    try:
        checked = dict(zip(map(id, pending), checker.check_all(pending, progress), strict=True))
    finally:
        checker.close()
    if cache is not None:
        for result in checked.values():
            if result.tried:  # a URL of a host given up was not asked: ask again next time
                cache.put(result)
        cache.save()
    return [cached.get(id(t)) or checked[id(t)] for t in targets]
