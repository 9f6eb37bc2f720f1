/* SPDX-License-Identifier: MIT */
/* A dense trie of every phrase, walked from each word start: all rule phrases in one pass. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier_int.h"

#define MAX_STATES (1u << 23) /* trie nodes: compact() keeps a position in 24 bits */

#define W1(c) [c] = 1
/* Bytes that continue a word: a phrase must not start or end next to one. */
static const uint8_t word_char[256] = {
    W1('0'), W1('1'), W1('2'), W1('3'), W1('4'), W1('5'), W1('6'), W1('7'), W1('8'),
    W1('9'), W1('a'), W1('b'), W1('c'), W1('d'), W1('e'), W1('f'), W1('g'), W1('h'),
    W1('i'), W1('j'), W1('k'), W1('l'), W1('m'), W1('n'), W1('o'), W1('p'), W1('q'),
    W1('r'), W1('s'), W1('t'), W1('u'), W1('v'), W1('w'), W1('x'), W1('y'), W1('z'),
};
#undef W1

/* The normal form is lower case, so no capitals need checking. */
static bool is_word(unsigned char ch)
{
    return word_char[ch] != 0;
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

/* Room for one more state in the build-time trie. */
static int grow(struct automaton *ac, uint32_t *cap)
{
    if (ac->nstates < *cap)
        return URS_OK;
    if (*cap >= MAX_STATES)
        return URS_ELIMIT;
    uint32_t ncap = *cap ? *cap * 2 : 1024;
    if (ncap > MAX_STATES)
        ncap = MAX_STATES;
    struct ac_node *node = realloc(ac->node, (size_t)ncap * sizeof *node);
    if (!node)
        return URS_ENOMEM;
    ac->node = node;
    int32_t *term = realloc(ac->term, (size_t)ncap * sizeof *term);
    if (!term)
        return URS_ENOMEM;
    ac->term = term;
    *cap = ncap;
    return URS_OK;
}

/* A new state reached on class k, whose next sibling is link (the caller links it in). */
static uint32_t add_state(struct automaton *ac, uint32_t k, uint32_t link)
{
    uint32_t v = ac->nstates++;
    ac->term[v] = -1;
    ac->node[v] = (struct ac_node){0, link, (uint8_t)k};
    return v;
}

static int insert(struct classifier *c, size_t pid, uint32_t *cap)
{
    struct automaton *ac = &c->ac;
    uint32_t s = 0;
    for (const char *p = c->pats[pid].exact; *p; p++) {
        uint32_t k = ac->cls[fold((unsigned char)*p)];
        int rc = grow(ac, cap); /* first: it may move the nodes */
        if (rc != URS_OK)
            return rc;
        /* the children of s, in class order: find k's, or where it goes */
        uint32_t prev = 0, v = ac->node[s].kid;
        while (v && ac->node[v].cls < k)
            prev = v, v = ac->node[v].sib;
        if (!v || ac->node[v].cls != k) {
            v = add_state(ac, k, v);
            if (prev)
                ac->node[prev].sib = v;
            else
                ac->node[s].kid = v;
        }
        s = v;
    }
    const struct pattern *p = &c->pats[pid];
    ac->pat[pid] = (struct ac_pat){ac->term[s], p->rule, p->flags, c->rules[p->rule].zones};
    ac->term[s] = (int32_t)pid;
    return URS_OK;
}

static uint32_t children(const struct automaton *ac, uint32_t u)
{
    uint32_t n = 0;
    for (uint32_t v = ac->node[u].kid; v; v = ac->node[v].sib)
        n++;
    return n;
}

/*
 * Renumber the states, breadth-first: the root and the states with several children first
 * (they keep a dense row of children, indexed by the state number), then the states with at
 * most one child (they keep just that child). One load per step, and the shallow states the
 * scan visits most share cache lines.
 */
static int renumber(struct automaton *ac, uint32_t *order, uint32_t *id)
{
    uint32_t next = 0;
    size_t head = 0, tail = 0;
    order[tail++] = 0; /* a trie: every state but the root has one parent */
    while (head < tail) {
        uint32_t u = order[head++];
        for (uint32_t v = ac->node[u].kid; v; v = ac->node[v].sib)
            order[tail++] = v;
    }
    for (size_t i = 0; i < tail; i++) /* branching states: breadth-first */
        if (order[i] == 0 || children(ac, order[i]) > 1)
            id[order[i]] = next++;
    for (size_t i = 0; i < tail; i++) { /* chains below them: each chain in a row */
        uint32_t u = order[i];
        if (u != 0 && children(ac, u) <= 1)
            continue;
        for (uint32_t v = ac->node[u].kid; v; v = ac->node[v].sib)
            for (uint32_t w = v; w && children(ac, w) <= 1; w = ac->node[w].kid)
                id[w] = next++;
    }
    ac->ndense = 0;
    for (uint32_t u = 0; u < ac->nstates; u++)
        ac->ndense += u == 0 || children(ac, u) > 1;
    return next == ac->nstates ? URS_OK : URS_EINVAL;
}

/* A state's position in next[] (see struct automaton). */
static uint32_t position(const struct automaton *ac, uint32_t state)
{
    return state < ac->ndense ? state << ac->row_shift : ac->dense_end + (state - ac->ndense);
}

/* The state at a position: the inverse of position(). */
static inline uint32_t state_at(const struct automaton *ac, uint32_t pos)
{
    return pos < ac->dense_end ? pos >> ac->row_shift : ac->ndense + (pos - ac->dense_end);
}

/* Build next[], terminal bits and the pattern lists in the new numbering. */
static int compact(struct automaton *ac, const uint32_t *id)
{
    uint32_t n = ac->nstates;
    ac->row_shift = 0;
    while ((1u << ac->row_shift) < ac->ncls)
        ac->row_shift++;
    ac->dense_end = ac->ndense << ac->row_shift;
    size_t npos = (size_t)ac->dense_end + (n - ac->ndense);
    if (npos >= (1u << 23)) /* a single-child entry keeps position << 1 in 24 bits */
        return URS_ELIMIT;
    uint32_t *next = calloc(npos, sizeof *next);
    int32_t *term = malloc(n * sizeof *term);
    if (!next || !term) {
        free(next), free(term);
        return URS_ENOMEM;
    }
    for (uint32_t u = 0; u < n; u++) {
        uint32_t v = id[u];
        term[v] = ac->term[u];
        for (uint32_t child = ac->node[u].kid; child; child = ac->node[child].sib) {
            uint32_t k = ac->node[child].cls;
            /* the child, and whether a phrase ends there: the scan needs no other load */
            uint32_t to = position(ac, id[child]) << 1 | (ac->term[child] >= 0);
            if (v < ac->ndense)
                next[position(ac, v) + k] = to;
            else
                next[position(ac, v)] = to << 8 | k;
        }
    }
    free(ac->node);
    free(ac->term);
    ac->node = NULL;
    ac->next = next;
    ac->term = term;
    return URS_OK;
}

/* One step of the walk: from position pos on class k, child position << 1 | ends, or 0. */
static inline uint32_t step(const struct automaton *ac, uint32_t pos, uint32_t k)
{
    if (pos < ac->dense_end)
        return ac->next[pos + k];
    uint32_t v = ac->next[pos];
    return (v & 0xff) == k ? v >> 8 : 0;
}

/* The table of first two steps (struct automaton); the root's row is at position 0. */
static int make_pairs(struct automaton *ac)
{
    size_t row = (size_t)1 << ac->row_shift;
    ac->pair = calloc(row * row, sizeof *ac->pair);
    if (!ac->pair)
        return URS_ENOMEM;
    for (uint32_t k1 = 0; k1 < ac->ncls; k1++) {
        uint32_t first = step(ac, 0, k1);
        for (uint32_t k2 = 0; first && k2 < ac->ncls; k2++)
            ac->pair[k1 << ac->row_shift | k2] = first & 1 ? AC_PAIR_WALK : step(ac, first >> 1, k2);
    }
    return URS_OK;
}

static int finish(struct automaton *ac)
{
    uint32_t *order = malloc(ac->nstates * sizeof *order), *id = malloc(ac->nstates * sizeof *id);
    int rc = order && id ? renumber(ac, order, id) : URS_ENOMEM;
    if (rc == URS_OK)
        rc = compact(ac, id);
    if (rc == URS_OK)
        rc = make_pairs(ac);
    free(order);
    free(id);
    return rc;
}

int ac_build(struct classifier *c, struct err *e)
{
    struct automaton *ac = &c->ac;
    uint32_t cap = 0;
    make_classes(c);
    ac->nstates = 1;
    ac->pat = malloc((c->pats_len ? c->pats_len : 1) * sizeof *ac->pat);
    if (!ac->pat || grow(ac, &cap) != URS_OK)
        return err_set(e, URS_ENOMEM, "rules: out of memory building the phrase automaton");
    ac->nstates = 1;
    ac->term[0] = -1;
    ac->node[0] = (struct ac_node){0, 0, 0};
    for (size_t i = 0; i < c->pats_len; i++) {
        int rc = insert(c, i, &cap);
        if (rc == URS_ELIMIT)
            return err_set(e, rc,
                           "rules: phrases need more than %u automaton states; shorten or "
                           "merge phrases",
                           MAX_STATES);
        if (rc != URS_OK)
            return err_set(e, rc, "rules: out of memory building the phrase automaton");
    }
    int rc = finish(ac);
    if (rc == URS_ELIMIT)
        return err_set(e, rc, "rules: the phrase automaton needs more than %u table entries; "
                       "shorten or merge phrases", 1u << 23);
    if (rc != URS_OK)
        return err_set(e, URS_ENOMEM, "rules: out of memory building the phrase automaton");
    return URS_OK;
}

void ac_free(struct automaton *ac)
{
    free(ac->node);
    free(ac->next);
    free(ac->pair);
    free(ac->term);
    free(ac->pat);
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
        if (isupper(want) && (unsigned char)text[scan_map(s, start + k)] != want)
            return false;
    }
    return true;
}

static bool pattern_fits(const struct scan *s, const struct ac_pat *p, const struct pattern *full,
                         size_t start, size_t end)
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
    return !(p->flags & PF_CASE) || case_ok(s, full, start);
}

/* Byte length of the text character at off (1 unless a UTF-8 lead byte). */
static size_t char_len(const struct scan *s, size_t off)
{
    unsigned char ch = (unsigned char)s->text.data[off];
    size_t n = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
    return off + n <= s->text.len ? n : 1;
}

static int report(struct scan *s, uint32_t state, size_t start, size_t end)
{
    for (int32_t pid = s->c->ac.term[state]; pid >= 0; pid = s->c->ac.pat[pid].next) {
        const struct ac_pat *p = &s->c->ac.pat[pid];
        if (!pattern_fits(s, p, &s->c->pats[pid], start, end))
            continue;
        size_t first = scan_map(s, start);
        if (!(scan_zone(s, first) & p->zones))
            continue; /* what scan_add_match would decide, before the second mapping */
        size_t last = scan_map(s, end - 1);
        int rc = scan_add_match(s, p->rule, first, last + char_len(s, last));
        if (rc != URS_OK)
            return rc;
    }
    return URS_OK;
}

/*
 * Every phrase starts at a word start (or at a non-word byte such as "$" or "/"), so the trie
 * is walked from each of those; walks are short and stay in the hot top of the trie. The
 * normal form ends in a NUL (scan.c), which is neither a word byte nor a phrase byte, so the
 * loops below stop there without a length check.
 */
int ac_scan(struct scan *s)
{
    const struct automaton *ac = &s->c->ac;
    const unsigned char *n = (const unsigned char *)s->norm;
    const uint32_t *next = ac->next;
    const uint8_t *cls = ac->cls;
    const uint32_t *pair = ac->pair;
    uint32_t row_shift = ac->row_shift;
    size_t len = s->norm_len;
    uint32_t dense_end = ac->dense_end;
    for (size_t i = 0; i < len;) {
        size_t at = i;
        /* next start: past the rest of this word, or past this one non-word byte */
        if (is_word(n[i]))
            while (is_word(n[++i]))
                ;
        else
            i++;
        /* the first two bytes in one load (n[at + 1] is at most the end mark) */
        uint32_t two = pair[(uint32_t)cls[n[at]] << row_shift | cls[n[at + 1]]];
        if (!two)
            continue; /* no phrase starts with these two bytes */
        uint32_t pos = 0;
        size_t j = at;
        if (two != AC_PAIR_WALK) {
            pos = two >> 1;
            j = at + 2;
            if (two & 1) {
                int rc = report(s, state_at(ac, pos), at, j);
                if (rc != URS_OK)
                    return rc;
            }
        }
        for (;; j++) {
            uint32_t k = cls[n[j]], to;
            if (pos < dense_end) {
                to = next[pos + k];
                pos = to >> 1;
            } else {
                uint32_t v = next[pos];
                if ((v & 0xff) != k)
                    break;
                to = v >> 8;
                /* a chain of single-child states lies at consecutive positions: taking
                 * pos + 1 when the child is there lets the next load start before this
                 * one is back (a predicted branch, not a data dependency) */
                if (to >> 1 == pos + 1)
                    pos++;
                else
                    pos = to >> 1;
            }
            if (!pos)
                break;
            if (to & 1) {
                int rc = report(s, state_at(ac, pos), at, j + 1);
                if (rc != URS_OK)
                    return rc;
            }
        }
    }
    return URS_OK;
}
