urs_unit_test(config unit/test_config.c LIBS urs_config)
# End to end through the binary: exit codes, messages, and secrets never shown.
urs_unit_test(config_cli integration/test_config_cli.c LIBS urs_common LABELS integration)
add_dependencies(test_config_cli urscout)
