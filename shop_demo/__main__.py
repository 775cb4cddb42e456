from shop_demo.server import main

raise SystemExit(main())
