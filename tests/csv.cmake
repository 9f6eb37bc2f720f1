# SPDX-License-Identifier: MIT
# The CSV reader of `import` (cli/csv.c).
urs_unit_test(csv unit/test_csv.c LIBS urs_cli PkgConfig::JANSSON)
