from xenkb.cli import main

raise SystemExit(main())
