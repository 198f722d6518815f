"""Entry point of the frozen build (PyInstaller runs a script, not a console_script)."""

import multiprocessing

if __name__ == "__main__":
    # A worker process of the scan (spawned: the bundle starts itself again) runs its task
    # here and exits; it must come before anything else. Without a bundle it does nothing.
    multiprocessing.freeze_support()
    from faceboard.app import main

    raise SystemExit(main())
