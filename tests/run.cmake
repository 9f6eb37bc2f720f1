urs_unit_test(run integration/test_run.c integration/proc.c
              LIBS PkgConfig::SQLITE PkgConfig::JANSSON LABELS integration)
