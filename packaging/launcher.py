"""Entry point of the frozen build (PyInstaller runs a script, not a console_script)."""

from faceboard.app import main

raise SystemExit(main())
