# SPDX-License-Identifier: MIT
# Writes urscout.ini.example and docs/config.md from `urscout config defaults`.
# Run as: cmake -DBIN=<urscout> -DSRC=<source dir> -P docs.cmake
execute_process(COMMAND "${BIN}" config defaults OUTPUT_FILE "${SRC}/urscout.ini.example"
                RESULT_VARIABLE rc1)
execute_process(COMMAND "${BIN}" config defaults --markdown OUTPUT_FILE "${SRC}/docs/config.md"
                RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "urscout config defaults failed (${rc1}, ${rc2})")
endif()
