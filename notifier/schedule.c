/* SPDX-License-Identifier: MIT */
/* When a subscriber's next digest is due: their send hour, in their time zone. */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
 * Zone arithmetic goes through GLib's GTimeZone, which reads the zone's TZif file itself and
 * is safe to use from any thread: localtime/mktime would need the process-wide TZ switched
 * with setenv/tzset, which races with every thread reading the environment (libcurl reads
 * its proxy variables there).
 */

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian), and back. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Unix time of y-m-d hour:00 local time in tz (a time in a DST gap moves past it); -1 if none. */
static int64_t local_slot(GTimeZone *tz, int64_t day, int hour)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    GDateTime *dt = g_date_time_new(tz, y, m, d, hour, 0, 0.0);
    if (!dt)
        return -1;
    int64_t t = (int64_t)g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

/* The slot at or before after's day (week's Monday, month's 1st) at hour; then step forward. */
static int64_t first_slot_after(GTimeZone *tz, enum db_frequency f, int hour, int64_t after)
{
    GDateTime *utc = g_date_time_new_from_unix_utc((gint64)after);
    GDateTime *local = utc ? g_date_time_to_timezone(utc, tz) : NULL;
    if (utc)
        g_date_time_unref(utc);
    if (!local)
        return after + 86400;
    int y = g_date_time_get_year(local), m = g_date_time_get_month(local);
    int64_t day = days_from_civil(y, m, g_date_time_get_day_of_month(local));
    if (f == DB_FREQ_WEEKLY)
        day -= g_date_time_get_day_of_week(local) - 1; /* back to Monday (1) */
    else if (f == DB_FREQ_MONTHLY)
        day = days_from_civil(y, m, 1);
    g_date_time_unref(local);
    for (int guard = 0; guard < 800; guard++) {
        int64_t slot = local_slot(tz, day, hour);
        if (slot > after)
            return slot;
        if (f == DB_FREQ_DAILY) {
            day += 1;
        } else if (f == DB_FREQ_WEEKLY) {
            day += 7;
        } else {
            int cy, cm, cd;
            civil_from_days(day, &cy, &cm, &cd);
            day = cm == 12 ? days_from_civil(cy + 1, 1, 1) : days_from_civil(cy, cm + 1, 1);
        }
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
    GTimeZone *zone = g_time_zone_new_identifier(tz);
    if (!zone)
        return err_set(e, URS_EINVAL, "time zone '%.64s' cannot be read", tz);
    *out = first_slot_after(zone, s->frequency, s->send_hour, after);
    g_time_zone_unref(zone);
    return URS_OK;
}
