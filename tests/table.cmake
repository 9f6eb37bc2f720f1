# SPDX-License-Identifier: MIT
# The search table's display widths (cli/output.c put_cell, common/utf8.c utf8_cp_width).
urs_unit_test(table integration/test_table.c LABELS integration)
