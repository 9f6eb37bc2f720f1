urs_unit_test(config unit/test_config.c LIBS urs_config)
