from faceboard.app import main

raise SystemExit(main())
