urs_unit_test(common unit/test_common.c LIBS urs_common)
