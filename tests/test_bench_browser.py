"""`bench.browser` times what its docstring says: the cold visit is the page itself on a fresh
app, in a browser that has opened nothing yet, and the warm visit a new tab of that browser;
nothing else is opened before either (a root page opened first fills the caches a cold visit
must find empty, and its teardown runs inside the warm visit's time)."""

from __future__ import annotations

import bench.browser as bench_browser


class FakePage:
    def __init__(self, log: list, context: FakeContext) -> None:
        self.log, self.context = log, context

    def goto(self, url: str) -> None:
        self.log.append(("goto", self.context.number, url))

    def close(self) -> None:
        self.log.append(("close", self.context.number))


class FakeContext:
    def __init__(self, log: list, number: int) -> None:
        self.log, self.number = log, number

    def new_page(self) -> FakePage:
        self.log.append(("new_page", self.number))
        return FakePage(self.log, self)

    def close(self) -> None:
        self.log.append(("close_context", self.number))


class FakeBrowser:
    def __init__(self) -> None:
        self.log: list = []
        self.contexts = 0

    def new_context(self, **_options) -> FakeContext:
        self.contexts += 1
        self.log.append(("new_context", self.contexts))
        return FakeContext(self.log, self.contexts)

    def new_page(self, **_options):
        raise AssertionError("a page of its own profile shares no cache with the cold visit")


def test_cold_is_the_first_visit_and_warm_a_new_tab_of_the_same_browser(monkeypatch):
    monkeypatch.setattr(bench_browser, "wait_until_drawn", lambda page: None)
    browser = FakeBrowser()

    result = bench_browser.measure_page(browser, "http://app", ("/enhet", None, None, None))

    assert browser.log == [
        ("new_context", 1),
        ("new_page", 1),
        ("goto", 1, "http://app/enhet"),
        ("close", 1),
        ("new_page", 1),
        ("goto", 1, "http://app/enhet"),
        ("close", 1),
        ("close_context", 1),
    ]
    assert set(result) == {"cold_seconds", "warm_seconds", "within_targets"}
