import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a spawned worker of a frozen build stops here (see packaging/launcher.py)
    from faceboard.app import main

    raise SystemExit(main())
