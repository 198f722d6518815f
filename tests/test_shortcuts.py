"""Help ▸ Keyboard shortcuts lists every key of the window, read from its actions (a key
added later is listed too); the menus take the desktop theme's icons."""

import pytest
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QUndoCommand

KEYS = ("Delete", "M", "Ctrl+N", "Space", "Shift+Delete", "Ctrl+M", "F2", "Ctrl+H", "Ctrl+I", "Ctrl+=", "Ctrl+-",
        "Ctrl+K", "Ctrl+Shift+L", "Ctrl+Shift+P", "Ctrl+Shift+F", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Escape")


def listed(dialog) -> dict[str, str]:
    table = dialog.table
    return {table.topLevelItem(i).text(0): table.topLevelItem(i).text(1) for i in range(table.topLevelItemCount())}


def help_action(window, text):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in help_menu.actions() if a.text().replace("&", "") == text)


def test_keyboard_shortcuts_lists_every_key_and_a_new_one(qtbot, app_window):
    window = app_window
    window.session.undo_stack.push(QUndoCommand("Delete Amara Okafor"))  # the Undo action's text says it now
    help_action(window, "Keyboard shortcuts").trigger()
    dialog = window.actions.shortcuts_dialog
    qtbot.waitUntil(dialog.isVisible)
    shown = listed(dialog)
    keys = ", ".join(shown.values())
    for key in KEYS:
        assert QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) in keys, key
    assert shown["Undo"] and "Undo Delete Amara Okafor" not in shown  # the action's name, not what it would undo
    assert shown["Move faces to"] == "M" and shown["Back from the faces to the people list"] == "Esc"
    for action in vars(window.actions).values():  # and the keys the platform gives (Find, Refresh, Quit, Help)
        if isinstance(action, QAction) and action.shortcuts():
            assert action.shortcuts()[0].toString(QKeySequence.SequenceFormat.NativeText) in keys, action.text()
    dialog.close()
    later = QAction("Look again", window)
    later.setShortcut(QKeySequence("Ctrl+Shift+J"))
    window.addAction(later)
    window.actions.show_shortcuts()
    assert listed(window.actions.shortcuts_dialog)["Look again"] == "Ctrl+Shift+J"


@pytest.fixture
def icon_theme(tmp_path):
    """A desktop icon theme with a few of the standard names, as Linux desktops have."""
    names = ("edit-undo", "edit-redo", "edit-delete", "view-refresh", "application-exit", "help-about",
             "input-keyboard", "document-open")
    folder = tmp_path / "icons" / "probe"
    (folder / "16x16" / "actions").mkdir(parents=True)
    (folder / "index.theme").write_text("[Icon Theme]\nName=probe\nDirectories=16x16/actions\n\n"
                                        "[16x16/actions]\nSize=16\nType=Fixed\n")
    for name in names:
        image = QImage(16, 16, QImage.Format.Format_ARGB32)
        image.fill(0xFF3080C0)
        image.save(str(folder / "16x16" / "actions" / f"{name}.png"))
    paths, theme = QIcon.themeSearchPaths(), QIcon.themeName()
    QIcon.setThemeSearchPaths([str(tmp_path / "icons")])
    QIcon.setThemeName("probe")
    yield names
    QIcon.setThemeSearchPaths(paths)
    QIcon.setThemeName(theme)


def test_the_menus_show_the_themes_icons(icon_theme, qtbot, app_window):
    actions = app_window.actions
    for action in (actions.undo, actions.redo, actions.delete_faces, actions.refresh, actions.quit,
                   actions.about_faceboard, actions.keyboard_shortcuts, actions.connections):
        assert not action.icon().isNull(), action.text()
        assert action.icon().name() in icon_theme
