/* SPDX-License-Identifier: MIT */
/* Inside the web module: the framework headers and every page module's route table. */
#ifndef URSCOUT_WEB_WEB_INT_H
#define URSCOUT_WEB_WEB_INT_H

#include "notifier/notifier.h"
#include "web/csrf.h"
#include "web/form.h"
#include "web/page.h"
#include "web/router.h"
#include "web/web.h"

struct db_subscriber;

/* ---- route tables, one per page module (each ends with a NULL pattern) ---- */

extern const struct web_route web_static_routes[];      /* web/page.c: /style.css */
extern const struct web_route web_unsubscribe_routes[]; /* web/unsubscribe.c: /u/TOKEN */
extern const struct web_route web_prefs_routes[];       /* web/prefs.c: /p/TOKEN */
extern const struct web_route web_matches_routes[];     /* web/matches.c: /m/TOKEN(.atom) */
extern const struct web_route web_coach_routes[];       /* web/coach.c: /coach/... */

extern const struct web_route web_signup_routes[];      /* web/signup.c: /signup, /c/TOKEN */

/* Every table the server serves, in match order, NULL-terminated (web/server.c). */
extern const struct web_route *const web_route_tables[];

/*
 * Answer one request as the server does, without a socket: route it (404/405), call the
 * handler, and turn a handler error into 503. Used by the server and the unit tests.
 * raw_path is the request path with the prefix (if any). URS_OK or URS_ENOMEM when not
 * even the error page could be built.
 */
URS_NODISCARD int web_dispatch(const struct web_site *site, struct web_req *req,
                               const char *raw_path, struct web_resp *resp);

/*
 * Verify token for purpose and load its subscriber into sub (initialised by the caller).
 * Returns 200, 404 (bad token, or no such subscriber: nothing read) or 503 (database).
 */
int web_load_subscriber(const struct web_site *site, const char *token, enum notify_purpose purpose,
                        struct db_subscriber *sub);

/* ---- a subscriber's filter and schedule fields (web/filters.c) ---- */

#define WEB_TZ_MAX_BYTES 64 /* bytes of a time zone name */

/*
 * Apply the form's filter and schedule fields to s, each checked as `urscout subscriber`
 * checks it. 0, -1 (why says what is wrong, in words for the person) or -2 (no memory).
 */
int web_filters_read(const struct web_form *f, struct db_subscriber *s, char *why, size_t size);
/* The fieldsets of disciplines, work mode, schedule and filters, filled from s. */
URS_NODISCARD int web_filters_form(struct sbuf *b, struct db_subscriber *s);
/* The "When" fieldset (frequency, hour, time zone) and, with pause, the pause box. */
URS_NODISCARD int web_schedule_form(struct sbuf *b, const struct db_subscriber *s, bool pause);

#endif
