"""The Qt layer: models, delegates, views, undo commands and the window."""
