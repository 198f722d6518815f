"""`OperationCommand`: one user change on the QUndoStack.

The command holds the operation it will send next: the original on the first redo,
then after each round the inverse the backend's answer described. QUndoStack calls
redo()/undo() synchronously; the command hands itself to `send` (the session's), with
the step it is (done, undone, redone), which shows the predicted result at once and
sends the operation in order behind any still on their way.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from faceboard.services.curation import DO, REDO, UNDO
from faceboard.services.operations import Operation


class OperationCommand(QUndoCommand):
    def __init__(self, send: Callable[[OperationCommand, str], None], operation: Operation, text: str):
        super().__init__(text)
        self._send = send
        self._done_before = False
        self.pending: Operation | None = operation

    def redo(self) -> None:
        self._send(self, REDO if self._done_before else DO)
        self._done_before = True

    def undo(self) -> None:
        self._send(self, UNDO)
