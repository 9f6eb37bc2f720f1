/* SPDX-License-Identifier: MIT */
/* Levelled one-line logging to stderr (or syslog); the level is checked before formatting. */
#ifndef URSCOUT_COMMON_LOG_H
#define URSCOUT_COMMON_LOG_H

#include <stdbool.h>

#include "common/err.h"

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the most verbose level written (default LOG_LVL_WARN... INFO with -v, ERROR with -q). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Send lines to syslog(3) instead of stderr. */
void log_use_syslog(bool on);

void log_write(enum log_level level, const char *fmt, ...) URS_PRINTF(2, 3);
/* As log_write, then ": strerror(errno)". */
void log_errno(enum log_level level, const char *fmt, ...) URS_PRINTF(2, 3);

extern enum log_level log_level_current;

#define log_error(...) log_write(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)                                                                          \
    do {                                                                                       \
        if (log_level_current >= LOG_LVL_WARN)                                                 \
            log_write(LOG_LVL_WARN, __VA_ARGS__);                                              \
    } while (0)
#define log_info(...)                                                                          \
    do {                                                                                       \
        if (log_level_current >= LOG_LVL_INFO)                                                 \
            log_write(LOG_LVL_INFO, __VA_ARGS__);                                              \
    } while (0)
#define log_debug(...)                                                                         \
    do {                                                                                       \
        if (log_level_current >= LOG_LVL_DEBUG)                                                \
            log_write(LOG_LVL_DEBUG, __VA_ARGS__);                                             \
    } while (0)

#endif
