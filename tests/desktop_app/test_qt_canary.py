"""PySide6 6.12.0 leaks one reference to None per void Qt call and aborts CPython 3.11.

This canary fails if the installed binding has that leak.
"""

import sys


def test_no_none_refcount_leak(qtbot):
    from PySide6.QtWidgets import QWidget

    w = QWidget()
    qtbot.addWidget(w)
    w.update()
    before = sys.getrefcount(None)
    for _ in range(1000):
        w.update()
    after = sys.getrefcount(None)
    assert abs(after - before) < 50, f"None refcount moved by {after - before} over 1000 calls"
