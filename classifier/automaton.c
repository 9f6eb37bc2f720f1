/* SPDX-License-Identifier: MIT */
/* A dense Aho-Corasick automaton: every phrase of every rule found in one pass over the text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier_int.h"

#define MAX_STATES (1u << 21) /* about 2 million trie nodes: far beyond a sane rule set */

static bool is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z');
}

static unsigned char fold(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* Give every byte used by a phrase its own class; ' ' and '\n' share one. */
static void make_classes(struct classifier *c)
{
    struct automaton *ac = &c->ac;
    memset(ac->cls, 0, sizeof ac->cls);
    ac->ncls = 1; /* class 0: bytes no phrase uses */
    ac->cls[' '] = (uint8_t)ac->ncls++;
    ac->cls['\n'] = ac->cls[' '];
    for (size_t i = 0; i < c->pats_len; i++) {
        for (const char *p = c->pats[i].exact; *p; p++) {
            unsigned char ch = fold((unsigned char)*p);
            if (!ac->cls[ch] && ac->ncls < 255)
                ac->cls[ch] = (uint8_t)ac->ncls++;
        }
    }
    for (int ch = 'A'; ch <= 'Z'; ch++)
        ac->cls[ch] = ac->cls[ch - 'A' + 'a'];
}

static int grow(struct automaton *ac, uint32_t *cap)
{
    if (ac->nstates < *cap)
        return URS_OK;
    if (*cap >= MAX_STATES)
        return URS_ELIMIT;
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    uint32_t *delta = realloc(ac->delta, (size_t)ncap * ac->ncls * sizeof *delta);
    if (!delta)
        return URS_ENOMEM;
    ac->delta = delta;
    int32_t *term = realloc(ac->term, (size_t)ncap * sizeof *term);
    if (!term)
        return URS_ENOMEM;
    ac->term = term;
    memset(ac->delta + (size_t)*cap * ac->ncls, 0,
           (size_t)(ncap - *cap) * ac->ncls * sizeof *delta);
    *cap = ncap;
    return URS_OK;
}

static int insert(struct classifier *c, size_t pid, uint32_t *cap)
{
    struct automaton *ac = &c->ac;
    uint32_t s = 0;
    for (const char *p = c->pats[pid].exact; *p; p++) {
        uint32_t k = ac->cls[fold((unsigned char)*p)];
        uint32_t next = ac->delta[(size_t)s * ac->ncls + k];
        if (!next) {
            int rc = grow(ac, cap);
            if (rc != URS_OK)
                return rc;
            next = ac->nstates++;
            ac->term[next] = -1;
            ac->delta[(size_t)s * ac->ncls + k] = next;
        }
        s = next;
    }
    ac->next_pat[pid] = ac->term[s];
    ac->term[s] = (int32_t)pid;
    return URS_OK;
}

/* Breadth-first: failure links become full transitions, and dict links chain the outputs. */
static int link(struct automaton *ac)
{
    uint32_t *fail = calloc(ac->nstates, sizeof *fail);
    uint32_t *queue = malloc(ac->nstates * sizeof *queue);
    ac->dict = calloc(ac->nstates, sizeof *ac->dict);
    ac->has_out = calloc(ac->nstates, 1);
    if (!fail || !queue || !ac->dict || !ac->has_out) {
        free(fail);
        free(queue);
        return URS_ENOMEM;
    }
    size_t head = 0, tail = 0;
    for (uint32_t k = 0; k < ac->ncls; k++)
        if (ac->delta[k])
            queue[tail++] = ac->delta[k];
    while (head < tail) {
        uint32_t u = queue[head++];
        uint32_t f = fail[u];
        ac->dict[u] = ac->term[f] >= 0 ? f : ac->dict[f];
        ac->has_out[u] = ac->term[u] >= 0 || ac->dict[u];
        for (uint32_t k = 0; k < ac->ncls; k++) {
            uint32_t *slot = &ac->delta[(size_t)u * ac->ncls + k];
            uint32_t via_fail = ac->delta[(size_t)f * ac->ncls + k];
            if (*slot) {
                fail[*slot] = via_fail;
                queue[tail++] = *slot;
            } else {
                *slot = via_fail;
            }
        }
    }
    free(fail);
    free(queue);
    return URS_OK;
}

int ac_build(struct classifier *c, struct err *e)
{
    struct automaton *ac = &c->ac;
    uint32_t cap = 0;
    make_classes(c);
    ac->nstates = 1;
    ac->next_pat = malloc((c->pats_len ? c->pats_len : 1) * sizeof *ac->next_pat);
    if (!ac->next_pat || grow(ac, &cap) != URS_OK)
        return err_set(e, URS_ENOMEM, "rules: out of memory building the phrase automaton");
    ac->nstates = 1;
    ac->term[0] = -1;
    for (size_t i = 0; i < c->pats_len; i++) {
        int rc = insert(c, i, &cap);
        if (rc == URS_ELIMIT)
            return err_set(e, rc, "rules: phrases need more than %u automaton states", MAX_STATES);
        if (rc != URS_OK)
            return err_set(e, rc, "rules: out of memory building the phrase automaton");
    }
    if (link(ac) != URS_OK)
        return err_set(e, URS_ENOMEM, "rules: out of memory building the phrase automaton");
    return URS_OK;
}

void ac_free(struct automaton *ac)
{
    free(ac->delta);
    free(ac->dict);
    free(ac->term);
    free(ac->next_pat);
    free(ac->has_out);
    memset(ac, 0, sizeof *ac);
}

static bool line_break(const struct scan *s, size_t i)
{
    return s->norm[i] == '\n' || s->norm[i] == '\x01';
}

/* A "=" phrase: its capital letters must be capitals in the original text. */
static bool case_ok(const struct scan *s, const struct pattern *p, size_t start)
{
    const char *text = s->text.data;
    for (size_t k = 0; k < p->len; k++) {
        unsigned char want = (unsigned char)p->exact[k];
        if (isupper(want) && (unsigned char)text[s->map[start + k]] != want)
            return false;
    }
    return true;
}

static bool pattern_fits(const struct scan *s, const struct pattern *p, size_t start, size_t end)
{
    const unsigned char *n = (const unsigned char *)s->norm;
    if (is_word(n[start]) && start > 0 && is_word(n[start - 1]))
        return false;
    if (!(p->flags & PF_PREFIX) && is_word(n[end - 1]) && end < s->norm_len && is_word(n[end]))
        return false;
    if ((p->flags & PF_BOL) && start > 0 && !line_break(s, start - 1))
        return false;
    if ((p->flags & PF_EOL) && end < s->norm_len && !line_break(s, end))
        return false;
    return !(p->flags & PF_CASE) || case_ok(s, p, start);
}

/* Byte length of the text character at off (1 unless a UTF-8 lead byte). */
static size_t char_len(const struct scan *s, size_t off)
{
    unsigned char ch = (unsigned char)s->text.data[off];
    size_t n = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
    return off + n <= s->text.len ? n : 1;
}

static int report(struct scan *s, uint32_t state, size_t end)
{
    const struct automaton *ac = &s->c->ac;
    uint32_t t = ac->term[state] >= 0 ? state : ac->dict[state];
    for (; t; t = ac->dict[t]) {
        for (int32_t pid = ac->term[t]; pid >= 0; pid = ac->next_pat[pid]) {
            const struct pattern *p = &s->c->pats[pid];
            size_t start = end - p->len;
            if (!pattern_fits(s, p, start, end))
                continue;
            size_t last = s->map[end - 1];
            int rc = scan_add_match(s, p->rule, s->map[start], last + char_len(s, last));
            if (rc != URS_OK)
                return rc;
        }
    }
    return URS_OK;
}

int ac_scan(struct scan *s)
{
    const struct automaton *ac = &s->c->ac;
    const unsigned char *n = (const unsigned char *)s->norm;
    uint32_t state = 0;
    for (size_t i = 0; i < s->norm_len; i++) {
        state = ac->delta[(size_t)state * ac->ncls + ac->cls[n[i]]];
        if (ac->has_out[state]) {
            int rc = report(s, state, i + 1);
            if (rc != URS_OK)
                return rc;
        }
    }
    return URS_OK;
}
