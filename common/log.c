/* SPDX-License-Identifier: MIT */
/* Logging: "urscout: level: message" lines on stderr, or syslog. */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* The only mutable globals besides signal flags: set once by main from -v/-q/--syslog. */
enum log_level log_level_current = LOG_LVL_WARN;
static bool use_syslog;

void log_set_level(enum log_level level)
{
    log_level_current = level;
}

enum log_level log_get_level(void)
{
    return log_level_current;
}

void log_use_syslog(bool on)
{
    if (on && !use_syslog)
        openlog("urscout", LOG_PID, LOG_DAEMON);
    use_syslog = on;
}

static const char *const names[] = {"error", "warning", "info", "debug"};
static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

static void emit(enum log_level level, const char *fmt, va_list ap, const char *suffix)
    URS_PRINTF(2, 0);

static void emit(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
    char line[1024];
    (void)vsnprintf(line, sizeof line, fmt, ap);
    /* Log lines may carry crawled text: keep them printable and on one line. */
    for (char *p = line; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            *p = ' ';
    }
    if (use_syslog)
        syslog(prio[level], "%s%s%s", line, suffix ? ": " : "", suffix ? suffix : "");
    else
        (void)fprintf(stderr, "urscout: %s: %s%s%s\n", names[level], line, suffix ? ": " : "",
                      suffix ? suffix : "");
}

void log_write(enum log_level level, const char *fmt, ...)
{
    if (level > log_level_current)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap, NULL);
    va_end(ap);
}

void log_errno(enum log_level level, const char *fmt, ...)
{
    int saved = errno;
    if (level > log_level_current)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, fmt, ap, strerror(saved));
    va_end(ap);
}
