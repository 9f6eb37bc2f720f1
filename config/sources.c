/* SPDX-License-Identifier: MIT */
/* [source "name"] sections: the list being read, bundled ones merged, required keys checked. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config/config_int.h"

void config_source_clear(struct config_source *src)
{
    for (size_t i = 0; i < config_options_len; i++)
        if (config_option_scope(&config_options[i]) == CONFIG_SCOPE_SOURCE)
            config_option_clear(&config_options[i], src);
    free(src->name);
    config_secret_free(src->api_key, 0);
    memset(src, 0, sizeof *src);
}

int config_src_list_add(struct config_src_list *list, const char *name, const char *file, int line,
                        bool bundled)
{
    if (list->len >= CONFIG_MAX_SOURCES)
        return URS_ELIMIT;
    if (list->len == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        struct config_source *v = realloc(list->v, cap * sizeof *v);
        if (!v)
            return URS_ENOMEM;
        list->v = v;
        int *lines = realloc(list->lines, cap * config_options_len * sizeof *lines);
        if (!lines)
            return URS_ENOMEM;
        list->lines = lines;
        list->cap = cap;
    }
    struct config_source *src = &list->v[list->len];
    memset(src, 0, sizeof *src);
    memset(config_src_list_lines(list, list->len), 0, config_options_len * sizeof(int));
    src->name = strdup(name);
    if (!src->name || config_options_defaults(CONFIG_SCOPE_SOURCE, src, NULL) != URS_OK) {
        config_source_clear(src);
        return URS_ENOMEM;
    }
    src->file = file;
    src->line = line;
    src->bundled = bundled;
    list->len++;
    return URS_OK;
}

size_t config_src_list_find(const struct config_src_list *list, const char *name)
{
    for (size_t i = 0; i < list->len; i++)
        if (strcmp(list->v[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

int *config_src_list_lines(const struct config_src_list *list, size_t i)
{
    return list->lines + i * config_options_len;
}

void config_src_list_free(struct config_src_list *list)
{
    for (size_t i = 0; i < list->len; i++)
        config_source_clear(&list->v[i]);
    free(list->v);
    free(list->lines);
    memset(list, 0, sizeof *list);
}

/* Apply the keys the user set in u over bundled source b. */
static void overlay(struct config_source *b, struct config_source *u, const int *u_lines)
{
    for (size_t i = 0; i < config_options_len; i++)
        if (config_option_scope(&config_options[i]) == CONFIG_SCOPE_SOURCE && u_lines[i])
            config_option_move(&config_options[i], b, u);
    b->file = u->file;
    b->line = u->line;
}

int config_sources_merge(struct config *cfg, struct config_src_list *bundled,
                         struct config_src_list *user, struct config_errs *errs)
{
    size_t kind = config_option_index(config_option_find("source", "kind"));
    size_t total = bundled->len + user->len;
    struct config_source *all = calloc(total ? total : 1, sizeof *all);
    if (!all)
        return err_set(errs->e, URS_ENOMEM, "config: out of memory");
    size_t n = bundled->len;
    if (n)
        memcpy(all, bundled->v, n * sizeof *all);
    bundled->len = 0; /* moved */
    for (size_t i = 0; i < user->len; i++) {
        struct config_source *u = &user->v[i];
        const int *lines = config_src_list_lines(user, i);
        size_t at = (size_t)-1;
        for (size_t j = 0; j < n && at == (size_t)-1; j++)
            if (all[j].bundled && strcmp(all[j].name, u->name) == 0)
                at = j;
        if (at != (size_t)-1 && !lines[kind]) {
            log_info("config: %s:%d: source \"%s\" changes the bundled one", u->file, u->line,
                     u->name);
            overlay(&all[at], u, lines);
            config_source_clear(u);
            continue;
        }
        if (at != (size_t)-1) {
            log_info("config: %s:%d: source \"%s\" replaces the bundled one", u->file, u->line,
                     u->name);
            config_source_clear(&all[at]);
            all[at] = *u;
        } else {
            all[n++] = *u;
        }
        memset(u, 0, sizeof *u);
    }
    user->len = 0;
    for (size_t i = 0; i < cfg->sources_len; i++)
        config_source_clear(&cfg->sources[i]);
    free(cfg->sources);
    cfg->sources = all;
    cfg->sources_len = n;
    return URS_OK;
}

static bool kind_in(const char *kind, const char *const *kinds)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

/* The API key of src: from api_key_file, else URSCOUT_USAJOBS_KEY for usajobs. */
static int source_key(struct config_source *src, struct config_errs *errs)
{
    bool usajobs = strcmp(src->kind, "usajobs") == 0;
    if (!src->api_key_file && !usajobs)
        return URS_OK;
    struct err e;
    err_clear(&e);
    size_t key_len = 0;
    int rc = config_secret_load(src->api_key_file, "URSCOUT_USAJOBS_KEY", &src->api_key, &key_len,
                                &src->api_key_origin, &e);
    if (rc == URS_OK && src->api_key && strlen(src->api_key) != key_len) {
        rc = err_set(&e, URS_EINVAL, "the API key holds a NUL byte");
        config_secret_free(src->api_key, key_len);
        src->api_key = NULL;
    }
    if (rc != URS_OK) {
        config_errs_add(errs, rc, src->file, src->line, "api_key_file", NULL, 0,
                        "source \"%s\": %s", src->name, e.msg);
        return rc;
    }
    if (src->api_key || !src->enabled)
        return URS_OK;
    if (src->bundled) {
        log_info("config: source \"%s\" (%s:%d) disabled: kind usajobs needs an API key in "
                 "URSCOUT_USAJOBS_KEY or api_key_file",
                 src->name, src->file, src->line);
        src->enabled = false;
        return URS_OK;
    }
    config_errs_add(errs, URS_EINVAL, src->file, src->line, "api_key_file", NULL, 0,
                    "source \"%s\": kind usajobs needs an API key: set api_key_file or the "
                    "URSCOUT_USAJOBS_KEY environment variable",
                    src->name);
    return URS_EINVAL;
}

/* The first missing key that src's kind needs, or NULL. */
static const char *missing_key(const struct config_source *src)
{
    static const char *const need_url[] = {"workday", "talentbrew", "oracle",  "jsonld",
                                           "html",    "rss",        "sitemap", NULL};
    static const char *const need_board[] = {"greenhouse", "lever", "ashby", "smartrecruiters",
                                             NULL};
    if (!src->url && kind_in(src->kind, need_url))
        return "url";
    if (!src->board && kind_in(src->kind, need_board))
        return "board";
    if (!src->list_xpath && strcmp(src->kind, "html") == 0)
        return "list_xpath";
    return NULL;
}

int config_sources_check(struct config *cfg, struct config_errs *errs)
{
    int first = URS_OK;
    for (size_t i = 0; i < cfg->sources_len; i++) {
        struct config_source *src = &cfg->sources[i];
        int rc = URS_OK;
        if (!src->kind) {
            rc = URS_EINVAL;
            config_errs_add(errs, rc, src->file, src->line, "kind", NULL, 0,
                            "source \"%s\" has no kind (workday, greenhouse, rss, ...)", src->name);
        } else if (missing_key(src)) {
            rc = URS_EINVAL;
            config_errs_add(errs, rc, src->file, src->line, missing_key(src), NULL, 0,
                            "source \"%s\" of kind %s needs %s", src->name, src->kind,
                            missing_key(src));
        } else {
            rc = source_key(src, errs);
        }
        if (src->interval == 0)
            src->interval = cfg->default_interval;
        if (first == URS_OK)
            first = rc;
    }
    return first;
}

const struct config_source *config_source_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->sources_len; i++)
        if (strcmp(cfg->sources[i].name, name) == 0)
            return &cfg->sources[i];
    return NULL;
}
