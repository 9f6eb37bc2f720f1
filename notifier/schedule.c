/* SPDX-License-Identifier: MIT */
/* When a subscriber's next digest is due: their send hour, in their time zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "notifier/notifier_int.h"

#define TZ_NAME_MAX 64

bool notify_tz_valid(const char *tz)
{
    if (!tz || !*tz || strlen(tz) >= TZ_NAME_MAX)
        return false;
    if (strcmp(tz, "UTC") == 0)
        return true;
    if (tz[0] == '/' || tz[0] == '.' || strstr(tz, ".."))
        return false;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '-' || *p == '+'))
            return false;
    char path[TZ_NAME_MAX + 32];
    struct stat st;
    (void)snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * localtime/mktime read the zone from TZ: switch it for the computation and put the old
 * value back, so the process zone is unchanged afterwards. Single-threaded by design.
 */
struct tz_switch {
    char *saved;
    bool had;
};

static void tz_enter(struct tz_switch *s, const char *tz)
{
    const char *old = getenv("TZ");
    s->had = old != NULL;
    s->saved = old ? strdup(old) : NULL;
    (void)setenv("TZ", tz, 1);
    tzset();
}

static void tz_leave(struct tz_switch *s)
{
    if (s->had && s->saved)
        (void)setenv("TZ", s->saved, 1);
    else
        (void)unsetenv("TZ");
    tzset();
    free(s->saved);
}

/* The slot at or before t's day (week's Monday, month's 1st) at hour; then step forward. */
static int64_t first_slot_after(enum db_frequency f, int hour, int64_t after)
{
    time_t t = (time_t)after;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return after + 86400;
    tm.tm_hour = hour;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    if (f == DB_FREQ_WEEKLY)
        tm.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
    else if (f == DB_FREQ_MONTHLY)
        tm.tm_mday = 1;
    for (int guard = 0; guard < 800; guard++) {
        struct tm probe = tm;
        probe.tm_isdst = -1;
        time_t slot = mktime(&probe);
        if (slot != (time_t)-1 && (int64_t)slot > after)
            return (int64_t)slot;
        if (f == DB_FREQ_DAILY)
            tm.tm_mday += 1;
        else if (f == DB_FREQ_WEEKLY)
            tm.tm_mday += 7;
        else
            tm.tm_mon += 1;
    }
    return after + 86400;
}

int notify_next_due(const struct db_subscriber *s, int64_t after, int64_t *out, struct err *e)
{
    const char *tz = s->time_zone && *s->time_zone ? s->time_zone : "UTC";
    if (!notify_tz_valid(tz))
        return err_set(e, URS_EINVAL,
                       "time zone '%.64s' is unknown (use a name like America/Chicago, or UTC)",
                       tz);
    if (s->send_hour < 0 || s->send_hour > 23)
        return err_set(e, URS_EINVAL, "send hour %d is not between 0 and 23", s->send_hour);
    struct tz_switch sw;
    tz_enter(&sw, tz);
    *out = first_slot_after(s->frequency, s->send_hour, after);
    tz_leave(&sw);
    return URS_OK;
}
