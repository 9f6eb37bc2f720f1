/* SPDX-License-Identifier: MIT */
/* `urscout import FILE...`: JSON Lines, CSV exports, saved pages and ATS JSON into the store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classifier.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "common/limits.h"
#include "common/log.h"
#include "crawler/crawler.h"
#include "db/db.h"

static const char usage[] =
    "usage: urscout import [--source NAME] [--kind KIND] [--no-classify] FILE...\n"
    "\n"
    "Import postings. FILE may be:\n"
    "  *.jsonl   JSON Lines: urscout's own export, or labelled records {id, url, title,\n"
    "            company, text} (labels are not imported as tags)\n"
    "  *.csv     urscout's CSV export\n"
    "  other     a saved job page (JSON-LD) or an ATS JSON file; --kind names the format\n"
    "  -         JSON Lines from standard input\n"
    "Re-importing a posting (same source and external id) updates it.\n"
    "Postings without tags are classified; exported tags are kept as they are.\n"
    "  --source NAME   source name for records that have none (default: import)\n"
    "  --kind KIND     format of saved pages (jsonld, greenhouse, lever, ...)\n"
    "  --no-classify   store without tagging\n";

#define BATCH 500

struct importer {
    struct app *app;
    struct classifier *classifier;
    const char *source;
    const char *kind;
    bool classify;
    int64_t now;
    size_t added, updated, unchanged, bad;
    size_t in_batch;
};

static int store(struct importer *im, struct posting *p, bool has_tags, struct err *e)
{
    if (!has_tags && im->classify && classify_posting(im->classifier, p, e) != URS_OK)
        return e->code;
    enum db_upsert r;
    if (im->in_batch == 0 && db_begin(im->app->db, e) != URS_OK)
        return e->code;
    if (db_posting_upsert(im->app->db, p, im->now, &r, e) != URS_OK)
        return e->code;
    im->added += r == DB_UPSERT_NEW;
    im->updated += r == DB_UPSERT_UPDATED;
    im->unchanged += r == DB_UPSERT_UNCHANGED;
    if (++im->in_batch >= BATCH) {
        im->in_batch = 0;
        return db_commit(im->app->db, e);
    }
    return URS_OK;
}

static int flush(struct importer *im)
{
    struct err e;
    err_clear(&e);
    im->in_batch = 0;
    if (db_commit(im->app->db, &e) != URS_OK) {
        cli_error_e("import", &e);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* One record: a bad one is reported as file:line and skipped; a db failure stops the file. */
static int import_record(struct importer *im, json_t *rec, const char *file, size_t line)
{
    struct posting p;
    struct cli_record_info info;
    struct err e;
    err_clear(&e);
    posting_init(&p);
    int rc = cli_posting_from_json(rec, im->source, &p, &info, &e);
    if (rc == URS_OK)
        rc = store(im, &p, info.has_tags, &e);
    posting_free(&p);
    if (rc == URS_OK)
        return URS_OK;
    im->bad++;
    cli_error("%s:%zu: %s", file, line, e.msg[0] ? e.msg : err_name(rc));
    if (rc == URS_EDB || rc == URS_ENOMEM) {
        db_rollback(im->app->db);
        im->in_batch = 0;
        return rc;
    }
    return URS_OK;
}

static int import_jsonl(struct importer *im, FILE *f, const char *file)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int rc = URS_OK;
    while (rc == URS_OK && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if ((size_t)n > URS_MAX_JSONL_LINE) {
            im->bad++;
            cli_error("%s:%zu: line of %zd bytes is over the %d byte limit", file, lineno, n,
                      URS_MAX_JSONL_LINE);
            continue;
        }
        size_t skip = strspn(line, " \t\r\n");
        if (line[skip] == '\0')
            continue;
        json_error_t jerr;
        json_t *rec = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
        if (!rec) {
            im->bad++;
            cli_error("%s:%zu: invalid JSON at column %d: %s", file, lineno, jerr.column,
                      jerr.text);
            continue;
        }
        rc = import_record(im, rec, file, lineno);
        json_decref(rec);
    }
    free(line);
    if (ferror(f)) {
        cli_error("%s: read error: %s", file, strerror(errno));
        rc = URS_EIO;
    }
    return rc;
}

#define MAX_CSV_FIELDS 64

static int import_csv(struct importer *im, FILE *f, const char *file)
{
    char *header[MAX_CSV_FIELDS], *fields[MAX_CSV_FIELDS];
    size_t n_header = 0, n, line = 0;
    struct err e;
    err_clear(&e);
    if (cli_csv_read(f, header, MAX_CSV_FIELDS, &n_header, &line, &e) != URS_OK) {
        cli_error("%s:1: %s", file, e.msg[0] ? e.msg : "no CSV header");
        return URS_EPARSE;
    }
    int rc = URS_OK;
    for (;;) {
        size_t start = line + 1;
        err_clear(&e);
        int r = cli_csv_read(f, fields, MAX_CSV_FIELDS, &n, &line, &e);
        if (r == URS_ENOTFOUND)
            break;
        if (r != URS_OK) {
            im->bad++;
            cli_error("%s:%zu: %s", file, start, e.msg);
            break;
        }
        json_t *rec = cli_csv_to_json(header, n_header, fields, n);
        for (size_t i = 0; i < n; i++)
            free(fields[i]);
        rc = rec ? import_record(im, rec, file, start) : URS_ENOMEM;
        json_decref(rec);
        if (rc != URS_OK)
            break;
    }
    for (size_t i = 0; i < n_header; i++)
        free(header[i]);
    return rc;
}

static int on_document_posting(void *ctx, const char *source, struct posting *p)
{
    struct importer *im = ctx;
    struct err e;
    err_clear(&e);
    (void)source;
    if (store(im, p, false, &e) != URS_OK) {
        cli_error("posting %s: %s", p->external_id ? p->external_id : "?", e.msg);
        return -1;
    }
    return 0;
}

static int import_document(struct importer *im, FILE *f, const char *file)
{
    char *data = malloc(URS_MAX_HTML + 1);
    if (!data)
        return URS_ENOMEM;
    size_t len = fread(data, 1, URS_MAX_HTML + 1, f);
    int rc = URS_OK;
    if (len > URS_MAX_HTML) {
        cli_error("%s: file is over the %d byte limit", file, URS_MAX_HTML);
        rc = URS_ELIMIT;
    } else {
        data[len] = '\0';
        struct err e;
        err_clear(&e);
        size_t count = 0;
        rc = crawl_parse_document(im->kind, im->source, NULL, data, len, NULL,
                                  on_document_posting, im, &count, &e);
        if (rc != URS_OK)
            cli_error("%s: %s", file, e.msg[0] ? e.msg : err_name(rc));
        else if (count == 0)
            cli_error("%s: no job posting found in this file", file);
        if (rc != URS_OK || count == 0)
            im->bad++;
        rc = rc == URS_EDB || rc == URS_ENOMEM ? rc : URS_OK;
    }
    free(data);
    return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int import_file(struct importer *im, const char *file)
{
    bool is_stdin = strcmp(file, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(file, "rb");
    if (!f) {
        cli_error("%s: %s", file, strerror(errno));
        im->bad++;
        return URS_OK;
    }
    int rc;
    if (is_stdin || has_suffix(file, ".jsonl") || has_suffix(file, ".ndjson"))
        rc = import_jsonl(im, f, is_stdin ? "<stdin>" : file);
    else if (has_suffix(file, ".csv"))
        rc = import_csv(im, f, file);
    else
        rc = import_document(im, f, file);
    if (!is_stdin)
        fclose(f);
    return rc;
}

static int parse_args(struct importer *im, int argc, char **argv)
{
    static const struct option opts[] = {{"source", required_argument, NULL, 's'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"no-classify", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "s:k:", opts)) != -1) {
        if (c == 's')
            im->source = optarg;
        else if (c == 'k')
            im->kind = optarg;
        else if (c == 'n')
            im->classify = false;
        else
            return -1;
    }
    if (im->kind && !crawl_kind_known(im->kind)) {
        cli_error("import: unknown --kind '%s' (allowed: %s)", im->kind, crawl_kind_names());
        return -1;
    }
    if (optind >= argc) {
        cli_error("import: no FILE given (see urscout import --help)");
        return -1;
    }
    return optind;
}

int cli_cmd_import(struct app *app, int argc, char **argv)
{
    if (cli_wants_help(argc, argv, usage))
        return CLI_OK;
    struct importer im = {.app = app, .source = "import", .classify = true};
    int first = parse_args(&im, argc, argv);
    if (first < 0)
        return CLI_USAGE;
    if (cli_app_db(app, true) != CLI_OK)
        return CLI_FAIL;
    struct err e;
    err_clear(&e);
    if (im.classify && classify_open(NULL, &im.classifier, &e) != URS_OK) {
        cli_error_e("classifier rules", &e);
        return CLI_FAIL;
    }
    im.now = (int64_t)time(NULL);
    int status = CLI_OK;
    for (int i = first; i < argc && status == CLI_OK; i++)
        if (import_file(&im, argv[i]) != URS_OK)
            status = CLI_FAIL;
    if (flush(&im) != CLI_OK)
        status = CLI_FAIL;
    classify_close(im.classifier);
    if (log_get_level() >= LOG_LVL_WARN)
        fprintf(stderr, "imported: %zu new, %zu updated, %zu unchanged, %zu rejected\n",
                im.added, im.updated, im.unchanged, im.bad);
    return status == CLI_OK && im.bad == 0 ? CLI_OK : CLI_FAIL;
}
