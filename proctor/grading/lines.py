"""Complete lines from non-blocking pipes, each pipe's partial line kept (bounded) until its end arrives."""

from __future__ import annotations

import os
import selectors


class LineReader:
    def __init__(self, sel: selectors.BaseSelector) -> None:
        self.sel = sel
        self.buffers: dict[int, bytes] = {}

    def read(self, fd: int, max_line: int) -> list[str | None]:
        """The complete lines one read of fd brings; None at end of file (fd is then unregistered). A line longer
        than max_line keeps only its tail, which then reads as garbage, never as memory."""
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return []
        if not chunk:
            try:
                self.sel.unregister(fd)
            except (KeyError, ValueError):
                pass
            return [None]
        data = self.buffers.pop(fd, b"") + chunk
        *lines, rest = data.split(b"\n")
        if rest:
            self.buffers[fd] = rest[-max_line:]
        return [line.decode("utf-8", "replace") for line in lines]
