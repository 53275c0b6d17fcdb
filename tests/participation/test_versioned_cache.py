"""The per-process cache of hot pages: one build per key at a time, kept per fingerprint."""

import threading
import time

from beteiligung.participation.cache import VersionedCache


def test_a_rush_on_an_empty_cache_builds_once():
    cache, builds = VersionedCache(), []

    def build():
        builds.append(1)
        time.sleep(0.2)  # a long thread being rendered
        return b"page"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(("thread", 1), "v1", build)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [b"page"] * 8 and len(builds) == 1


def test_a_new_fingerprint_builds_again_and_other_keys_do_not_wait():
    cache = VersionedCache()
    assert cache.get(("a",), "v1", lambda: 1) == 1
    assert cache.get(("a",), "v1", lambda: 2) == 1
    assert cache.get(("a",), "v2", lambda: 3) == 3
    assert cache.get(("b",), "v2", lambda: 0) == 0  # a falsy value is kept too
    assert cache.get(("b",), "v2", lambda: 9) == 0
    assert cache.get(("a",), None, lambda: 4) == 4  # a preview: built, never kept
    assert cache.peek(("a",), "v2") == 3
