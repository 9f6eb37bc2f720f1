/* SPDX-License-Identifier: MIT */
/* Every named size and count limit on untrusted input, in one place. */
#ifndef URSCOUT_COMMON_LIMITS_H
#define URSCOUT_COMMON_LIMITS_H

#define URS_MAX_TITLE 512              /* bytes of a title after cleaning */
#define URS_MAX_FIELD 1024             /* bytes of a one-line field (employer, location, ids) */
#define URS_MAX_URL 2048               /* bytes of a URL */
#define URS_MAX_DESCRIPTION (256 * 1024) /* bytes of description text */
#define URS_MAX_HTML (4 * 1024 * 1024) /* bytes of HTML handed to html_to_text */
#define URS_MAX_JSONL_LINE (1024 * 1024) /* bytes of one JSON Lines record */
#define URS_MAX_CONFIG_LINE 4096       /* bytes of one config line */
#define URS_MAX_CONFIG_FILE (1024 * 1024) /* bytes of a config file */
#define URS_MAX_SECRET 4096            /* bytes of a secret file */
#define URS_MAX_EVIDENCE 64            /* evidence rows per posting */
#define URS_MAX_PHRASE 160             /* bytes of one evidence phrase */
#define URS_MAX_QUERY 1024             /* bytes of a search query */
#define URS_MAX_EMAIL 254              /* RFC 5321 path limit */
#define URS_MAX_EMAIL_LOCAL 64         /* RFC 5321 local-part limit */
#define URS_MAX_BODY (8 * 1024 * 1024) /* decoded bytes of one HTTP response body */
#define URS_MAX_HEADER 8192            /* bytes of one HTTP response header line */
#define URS_MAX_REDIRECTS 5            /* redirect hops followed */
#define URS_MAX_ROBOTS (500 * 1024)    /* bytes of robots.txt parsed */
#define URS_MAX_ITEMS 20000            /* postings taken from one listing */
#define URS_MAX_JSON_DEPTH 64          /* nesting accepted in JSON */

#endif
