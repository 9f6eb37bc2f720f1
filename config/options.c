/* SPDX-License-Identifier: MIT */
/* The option table: every key of every section, with its type, bounds, default and doc. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "config/config_int.h"

#define G(field) offsetof(struct config, field)
#define S(field) offsetof(struct config_source, field)

#define SEC  1000LL
#define MIN_ (60 * SEC)
#define HOUR (60 * MIN_)

static const char *const starttls_words[] = {"off", "optional", "required", NULL};
static const char *const kind_words[] = {
    "workday", "talentbrew", "oracle", "greenhouse", "lever", "smartrecruiters", "ashby", "usajobs",
    "jsonld",  "html",       "rss",    "sitemap",    NULL};
static const char *const confidence_words[] = {"high", "medium", "low", "unknown", NULL};

/* contact: a mail address or a web page a site operator can use. */
static const char *check_contact(const char *value)
{
    if (strncasecmp(value, "http://", 7) == 0 || strncasecmp(value, "https://", 8) == 0)
        return text_url_is_http(value) ? NULL : "not a valid http(s) URL";
    if (config_check_email(value) == NULL)
        return NULL;
    return "must be a mail address (name@example.org) or an http(s) URL";
}

/* board: an ATS board token, tenant or site id as it appears in URLs. */
static const char *check_token(const char *value)
{
    size_t n = strlen(value);
    if (n > 128)
        return "longer than 128 characters";
    for (const char *p = value; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return "may hold only letters, digits, '.', '_' and '-'";
    return NULL;
}

static const char source_doc[] =
    "One section per job source, written [source \"name\"] (name: letters, digits, '.', '_', "
    "'-'; at most 40 bytes). A section naming a bundled source replaces it when it sets kind, "
    "else changes only the keys it sets.";

const char *const config_sections[] = {"general", "crawl", "smtp", "delivery", "web", "source"};
const size_t config_sections_len = sizeof config_sections / sizeof config_sections[0];
const char *const config_section_docs[] = {
    "Files and identity.",
    "How the crawler fetches: concurrency, politeness, timeouts and limits.",
    "The mail server for digests. Without a host, digests go to the Maildir of [delivery].",
    "Digest mail: sender, pacing, retries and unsubscribe signing.",
    "The unsubscribe endpoint.",
    source_doc,
};

const struct config_option config_options[] = {
    /* [general] */
    {.section = "general",
     .name = "database",
     .type = CONFIG_T_PATH,
     .offset = G(database),
     .def = "urscout.db",
     .doc = "SQLite database file, created when missing."},
    {.section = "general",
     .name = "user_agent",
     .type = CONFIG_T_STRING,
     .offset = G(user_agent),
     .def_doc = "default urscout/VERSION (+https://github.com/urscout/urscout; CONTACT)",
     .doc = "User-Agent of every request; the default carries contact when it is set."},
    {.section = "general",
     .name = "contact",
     .type = CONFIG_T_STRING,
     .offset = G(contact),
     .check = check_contact,
     .doc = "Mail address or http(s) URL where site operators can reach you."},
    {.section = "general",
     .name = "lock_file",
     .type = CONFIG_T_PATH,
     .offset = G(lock_file),
     .def_doc = "default DATABASE.lock",
     .doc = "Lock file that keeps a second daemon off the database."},
    {.section = "general",
     .name = "bundled_sources",
     .type = CONFIG_T_BOOL,
     .offset = G(bundled_sources),
     .def = "true",
     .doc = "Also load the sources built in from config/sources/."},

    /* [crawl] */
    {.section = "crawl",
     .name = "concurrency",
     .type = CONFIG_T_LONG,
     .offset = G(concurrency),
     .min = 1,
     .max = 256,
     .def = "8",
     .doc = "Transfers running at once."},
    {.section = "crawl",
     .name = "host_connections",
     .type = CONFIG_T_LONG,
     .offset = G(host_connections),
     .min = 1,
     .max = 16,
     .def = "1",
     .doc = "Connections open at once to one host."},
    {.section = "crawl",
     .name = "host_delay",
     .type = CONFIG_T_MS,
     .offset = G(host_delay_ms),
     .min = 0,
     .max = HOUR,
     .def = "1s",
     .doc = "Pause between the starts of two requests to one host (robots.txt Crawl-delay "
            "may ask for more)."},
    {.section = "crawl",
     .name = "connect_timeout",
     .type = CONFIG_T_MS,
     .offset = G(connect_timeout_ms),
     .min = 100,
     .max = 5 * MIN_,
     .def = "10s",
     .doc = "Longest wait for a connection."},
    {.section = "crawl",
     .name = "timeout",
     .type = CONFIG_T_MS,
     .offset = G(timeout_ms),
     .min = SEC,
     .max = HOUR,
     .def = "60s",
     .doc = "Longest time for one whole transfer."},
    {.section = "crawl",
     .name = "low_speed_limit",
     .type = CONFIG_T_LONG,
     .offset = G(low_speed_limit),
     .min = 0,
     .max = 1000000000,
     .def = "100",
     .doc = "Bytes per second under which a transfer counts as stalled (0: never)."},
    {.section = "crawl",
     .name = "low_speed_time",
     .type = CONFIG_T_MS,
     .offset = G(low_speed_time_ms),
     .min = SEC,
     .max = HOUR,
     .def = "20s",
     .doc = "Abort a transfer that stays under low_speed_limit this long."},
    {.section = "crawl",
     .name = "max_body",
     .type = CONFIG_T_SIZE,
     .offset = G(max_body),
     .min = 1024,
     .max = 1024LL * 1024 * 1024,
     .def = "8M",
     .doc = "Largest response body after decoding (suffixes K, M, G are 1024-based)."},
    {.section = "crawl",
     .name = "retries",
     .type = CONFIG_T_LONG,
     .offset = G(retries),
     .min = 1,
     .max = 10,
     .def = "3",
     .doc = "Attempts per request when a failure is transient."},
    {.section = "crawl",
     .name = "default_interval",
     .type = CONFIG_T_SECONDS,
     .offset = G(default_interval),
     .min = 60,
     .max = 30LL * 86400,
     .def = "6h",
     .doc = "Time between two crawls of a source that sets no interval."},
    {.section = "crawl",
     .name = "robots",
     .type = CONFIG_T_BOOL,
     .offset = G(robots),
     .def = "true",
     .doc = "Obey robots.txt."},
    {.section = "crawl",
     .name = "allow_hosts",
     .type = CONFIG_T_LIST,
     .offset = G(allow_hosts),
     .len_offset = G(allow_hosts_len),
     .check = config_check_host,
     .doc = "Private or loopback hosts the crawler may reach anyway, e.g. "
            "\"127.0.0.1; localhost\" (for tests)."},

    /* [smtp] */
    {.section = "smtp",
     .name = "host",
     .type = CONFIG_T_STRING,
     .offset = G(smtp_host),
     .check = config_check_host,
     .def_doc = "unset: digests go to the Maildir",
     .doc = "Mail server that takes the digests."},
    {.section = "smtp",
     .name = "port",
     .type = CONFIG_T_LONG,
     .offset = G(smtp_port),
     .min = 1,
     .max = 65535,
     .def = "587",
     .doc = "Mail server port."},
    {.section = "smtp",
     .name = "starttls",
     .type = CONFIG_T_ENUM,
     .offset = G(starttls),
     .words = starttls_words,
     .def = "required",
     .doc = "off, optional or required; required never sends mail or a password in clear."},
    {.section = "smtp",
     .name = "user",
     .type = CONFIG_T_STRING,
     .offset = G(smtp_user),
     .doc = "Login for SMTP AUTH; needs a password."},
    {.section = "smtp",
     .name = "password_file",
     .type = CONFIG_T_PATH,
     .offset = G(smtp_password_file),
     .flags = CONFIG_F_SECRET_FILE,
     .def_doc = "unset: the URSCOUT_SMTP_PASSWORD environment variable",
     .doc = "File holding the SMTP password, readable by its owner only (chmod 600)."},
    {.section = "smtp",
     .name = "timeout",
     .type = CONFIG_T_MS,
     .offset = G(smtp_timeout_ms),
     .min = SEC,
     .max = 10 * MIN_,
     .def = "30s",
     .doc = "Longest wait for a mail server reply."},

    /* [delivery] */
    {.section = "delivery",
     .name = "from",
     .type = CONFIG_T_EMAIL,
     .offset = G(from),
     .def = "urscout@localhost.localdomain",
     .doc = "Envelope sender and From address of digests."},
    {.section = "delivery",
     .name = "from_name",
     .type = CONFIG_T_STRING,
     .offset = G(from_name),
     .def = "urscout",
     .doc = "Display name in the From header."},
    {.section = "delivery",
     .name = "postal_address",
     .type = CONFIG_T_STRING,
     .offset = G(postal_address),
     .doc = "Postal address printed in every digest footer."},
    {.section = "delivery",
     .name = "maildir",
     .type = CONFIG_T_PATH,
     .offset = G(maildir),
     .def = "mail",
     .doc = "Maildir that receives digests when [smtp] has no host."},
    {.section = "delivery",
     .name = "rate_per_minute",
     .type = CONFIG_T_LONG,
     .offset = G(rate_per_minute),
     .min = 1,
     .max = 100000,
     .def = "60",
     .doc = "Messages handed to the mail server per minute at most."},
    {.section = "delivery",
     .name = "max_age",
     .type = CONFIG_T_SECONDS,
     .offset = G(max_age),
     .min = 60,
     .max = 365LL * 86400,
     .def = "2d",
     .doc = "Keep retrying a queued message this long, then fail it."},
    {.section = "delivery",
     .name = "bounce_limit",
     .type = CONFIG_T_LONG,
     .offset = G(bounce_limit),
     .min = 1,
     .max = 100,
     .def = "3",
     .doc = "Hard bounces after which a subscriber gets no more mail."},
    {.section = "delivery",
     .name = "max_items",
     .type = CONFIG_T_LONG,
     .offset = G(max_items),
     .min = 1,
     .max = 100,
     .def = "25",
     .doc = "Postings shown in one digest, best first; the rest are summarised as \"N more\" "
            "with a link to the full list, and count as delivered."},
    {.section = "delivery",
     .name = "unsubscribe_mailto",
     .type = CONFIG_T_EMAIL,
     .offset = G(unsubscribe_mailto),
     .doc = "Address for the mailto: List-Unsubscribe link."},
    {.section = "delivery",
     .name = "hmac_key_file",
     .type = CONFIG_T_PATH,
     .offset = G(hmac_key_file),
     .flags = CONFIG_F_SECRET_FILE,
     .def_doc = "unset: the URSCOUT_HMAC_KEY environment variable",
     .doc = "File holding the key that signs unsubscribe links (chmod 600; 16 bytes or more)."},

    /* [web] */
    {.section = "web",
     .name = "base_url",
     .type = CONFIG_T_URL,
     .offset = G(base_url),
     .doc = "Public URL of the unsubscribe endpoint, e.g. https://jobs.example.org."},
    {.section = "web",
     .name = "listen",
     .type = CONFIG_T_STRING,
     .offset = G(listen),
     .check = config_check_host,
     .def = "127.0.0.1",
     .doc = "Address the endpoint listens on."},
    {.section = "web",
     .name = "port",
     .type = CONFIG_T_LONG,
     .offset = G(web_port),
     .min = 1,
     .max = 65535,
     .def = "8080",
     .doc = "Port the endpoint listens on."},
    {.section = "web",
     .name = "serve",
     .type = CONFIG_T_BOOL,
     .offset = G(web_serve),
     .def = "false",
     .doc = "The daemon (urscout run) also serves the web pages, as urscout web does."},

    /* [source "name"] */
    {.section = "source",
     .name = "kind",
     .type = CONFIG_T_WORD,
     .offset = S(kind),
     .words = kind_words,
     .def_doc = "required",
     .doc = "Which adapter reads the source (example payloads: tests/fixtures/formats/)."},
    {.section = "source",
     .name = "url",
     .type = CONFIG_T_URL,
     .offset = S(url),
     .def_doc = "required for workday, talentbrew, oracle, jsonld, html, rss, sitemap",
     .doc = "Endpoint or page to start from."},
    {.section = "source",
     .name = "board",
     .type = CONFIG_T_STRING,
     .offset = S(board),
     .check = check_token,
     .def_doc = "required for greenhouse, lever, ashby, smartrecruiters",
     .doc = "Board token, tenant or site id."},
    {.section = "source",
     .name = "employer",
     .type = CONFIG_T_STRING,
     .offset = S(employer),
     .doc = "Employer name put on the postings."},
    {.section = "source",
     .name = "search",
     .type = CONFIG_T_LIST,
     .offset = S(search),
     .len_offset = S(search_len),
     .doc = "Search texts sent to the site, e.g. "
            "\"utilization review; prior authorization\"."},
    {.section = "source",
     .name = "interval",
     .type = CONFIG_T_SECONDS,
     .offset = S(interval),
     .min = 60,
     .max = 30LL * 86400,
     .def_doc = "default [crawl] default_interval",
     .doc = "Time between two crawls of this source."},
    {.section = "source",
     .name = "enabled",
     .type = CONFIG_T_BOOL,
     .offset = S(enabled),
     .def = "true",
     .doc = "Crawl this source."},
    {.section = "source",
     .name = "confidence",
     .type = CONFIG_T_WORD,
     .offset = S(confidence),
     .words = confidence_words,
     .def = "unknown",
     .doc = "How sure we are the source is right: high, medium, low or unknown."},
    {.section = "source",
     .name = "verified",
     .type = CONFIG_T_BOOL,
     .offset = S(verified),
     .def = "true",
     .doc = "false marks the source unverified in reports."},
    {.section = "source",
     .name = "url_pattern",
     .type = CONFIG_T_STRING,
     .offset = S(url_pattern),
     .doc = "sitemap: only follow URLs containing this text."},
    {.section = "source",
     .name = "list_xpath",
     .type = CONFIG_T_STRING,
     .offset = S(list_xpath),
     .def_doc = "required for html",
     .doc = "html: links to the detail pages on a listing page."},
    {.section = "source",
     .name = "next_xpath",
     .type = CONFIG_T_STRING,
     .offset = S(next_xpath),
     .def_doc = "default a rel=next link",
     .doc = "html: link to the next listing page."},
    {.section = "source",
     .name = "title_xpath",
     .type = CONFIG_T_STRING,
     .offset = S(title_xpath),
     .doc = "html: the job title on a detail page."},
    {.section = "source",
     .name = "location_xpath",
     .type = CONFIG_T_STRING,
     .offset = S(location_xpath),
     .doc = "html: the location on a detail page."},
    {.section = "source",
     .name = "description_xpath",
     .type = CONFIG_T_STRING,
     .offset = S(description_xpath),
     .doc = "html: the description on a detail page."},
    {.section = "source",
     .name = "api_key_file",
     .type = CONFIG_T_PATH,
     .offset = S(api_key_file),
     .flags = CONFIG_F_SECRET_FILE,
     .def_doc = "unset: for usajobs, the URSCOUT_USAJOBS_KEY environment variable",
     .doc = "File holding the API key (chmod 600)."},
};
const size_t config_options_len = sizeof config_options / sizeof config_options[0];

enum config_scope config_option_scope(const struct config_option *opt)
{
    return strcmp(opt->section, "source") == 0 ? CONFIG_SCOPE_SOURCE : CONFIG_SCOPE_GLOBAL;
}

const struct config_option *config_option_find(const char *section, const char *name)
{
    for (size_t i = 0; i < config_options_len; i++)
        if (strcmp(config_options[i].section, section) == 0 &&
            strcmp(config_options[i].name, name) == 0)
            return &config_options[i];
    return NULL;
}

size_t config_option_index(const struct config_option *opt)
{
    return (size_t)(opt - config_options);
}

/* Levenshtein distance, case-insensitive, over short ASCII names (longer ones: "far"). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    enum { MAXN = 64 };
    if (la >= MAXN || lb >= MAXN)
        return (size_t)-1;
    size_t row[MAXN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Close enough to suggest: a couple of typos, or a third of the word. */
static bool close_enough(size_t d, const char *name)
{
    size_t n = strlen(name);
    return d != (size_t)-1 && (d <= 2 || d <= n / 3);
}

const char *config_suggest_key(const char *section, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < config_options_len; i++) {
        if (strcmp(config_options[i].section, section) != 0)
            continue;
        size_t d = distance(name, config_options[i].name);
        if (d < best_d) {
            best_d = d;
            best = config_options[i].name;
        }
    }
    return close_enough(best_d, name) ? best : NULL;
}

const char *config_suggest_section(const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < config_sections_len; i++) {
        size_t d = distance(name, config_sections[i]);
        if (d < best_d) {
            best_d = d;
            best = config_sections[i];
        }
    }
    return close_enough(best_d, name) ? best : NULL;
}
