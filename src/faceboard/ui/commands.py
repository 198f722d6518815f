"""`OperationCommand`: one user change on the QUndoStack.

The command holds the operation it will send next: the original on the first redo,
then after each round the inverse the backend's answer described. QUndoStack calls
redo()/undo() synchronously; the session shows the predicted result at once and sends
the operation in order behind any still on their way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from faceboard.services.operations import Operation

if TYPE_CHECKING:
    from faceboard.ui.session import Session


class OperationCommand(QUndoCommand):
    def __init__(self, session: Session, operation: Operation, text: str):
        super().__init__(text)
        self.session = session
        self.pending: Operation | None = operation

    def redo(self) -> None:
        self.session.execute(self)

    def undo(self) -> None:
        self.session.execute(self)
