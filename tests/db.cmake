urs_unit_test(db unit/test_db.c LIBS urs_db PkgConfig::SQLITE Threads::Threads)
urs_unit_test(cli integration/test_cli.c LIBS PkgConfig::SQLITE PkgConfig::JANSSON LABELS integration)
