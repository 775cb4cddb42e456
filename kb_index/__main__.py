from kb_index.cli import main

raise SystemExit(main())
