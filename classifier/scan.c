/* SPDX-License-Identifier: MIT */
/* One posting's scan: the layout text, its normal form, every rule's matches, the tallies. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classifier/classifier_int.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/utf8.h"

#define REGEX_MAX_HITS 256 /* matches of one regex rule in one posting */
#define ABOUT_MAX      800 /* bytes a section about the company may run at most */
#define HEADING_MAX    60  /* bytes of a line that may be a heading */

/* ---- layout: title \n location \n description \n work_hint \n employment_hint \n url ---- */

static int put_field(struct sbuf *b, const char *s, size_t cap, bool *cut)
{
    size_t n = s ? strlen(s) : 0;
    if (n > cap) {
        n = utf8_boundary(s, n, cap);
        *cut = true;
    }
    return n ? sbuf_append(b, s, n) : URS_OK;
}

static int layout(struct scan *s, const struct posting *p, double head_bytes)
{
    struct sbuf *b = &s->text;
    bool cut = false, title_cut = false;
    int rc = put_field(b, p->title, URS_MAX_TITLE, &title_cut);
    s->title_end = b->len;
    if (rc == URS_OK)
        rc = sbuf_putc(b, '\n');
    s->loc_start = b->len;
    if (rc == URS_OK)
        rc = put_field(b, p->location, URS_MAX_FIELD, &title_cut);
    s->loc_end = b->len;
    if (rc == URS_OK)
        rc = sbuf_putc(b, '\n');
    s->body_start = b->len;
    if (rc == URS_OK)
        rc = put_field(b, p->description, CLASSIFY_MAX_TEXT, &cut);
    s->body_end = b->len;
    size_t head = s->body_start + (size_t)head_bytes;
    s->head_end = head < s->body_end ? head : s->body_end;
    if (rc == URS_OK)
        rc = sbuf_putc(b, '\n');
    s->hint_start = b->len;
    if (rc == URS_OK)
        rc = put_field(b, p->work_hint, URS_MAX_FIELD, &title_cut);
    if (rc == URS_OK)
        rc = sbuf_putc(b, '\n');
    if (rc == URS_OK)
        rc = put_field(b, p->employment_hint, URS_MAX_FIELD, &title_cut);
    s->hint_end = b->len;
    if (rc == URS_OK)
        rc = sbuf_putc(b, '\n');
    s->url_start = b->len;
    if (rc == URS_OK)
        rc = put_field(b, p->url, URS_MAX_URL, &title_cut);
    s->url_end = b->len;
    if (cut)
        log_warn("classify: description of '%.60s' cut to its first %d bytes",
                 p->title ? p->title : "", CLASSIFY_MAX_TEXT);
    return rc;
}

int classify_text_layout(const struct posting *p, struct sbuf *out)
{
    struct scan s;
    memset(&s, 0, sizeof s);
    sbuf_init(&s.text, out->max);
    int rc = layout(&s, p, 0);
    if (rc == URS_OK)
        rc = sbuf_append(out, s.text.data ? s.text.data : "", s.text.len);
    sbuf_free(&s.text);
    return rc;
}

unsigned scan_zone(const struct scan *s, size_t off)
{
    if (off < s->title_end)
        return Z_TITLE;
    if (off >= s->loc_start && off < s->loc_end)
        return Z_LOC;
    if (off >= s->body_start && off < s->body_end)
        return Z_BODY | (off < s->head_end ? Z_HEAD : 0);
    if (off >= s->hint_start && off < s->hint_end)
        return Z_HINT;
    if (off >= s->url_start && off < s->url_end)
        return Z_URL;
    return 0;
}

/* ---- the normal form: lower case, separators folded, markup and entities dropped ---- */

/* At most this many line breaks glued_label adds to a text of len bytes: the norm may be
 * that much longer than the text (each label takes four bytes or more, "aBc:"). */
#define GLUED_MAX(len) ((len) / 4 + 1)

struct norm {
    struct scan *s;
    size_t glued_left; /* line breaks glued_label may still add (GLUED_MAX) */
    bool pending;      /* a separator run waits to be written */
    bool pending_nl;   /* ... and it held a line break */
    size_t pending_at; /* text offset of the run */
    size_t next_at;    /* the text offset that continues the current norm run */
};

/* Append ch, taken from text offset at, to the normal form. */
static inline void emit(struct norm *n, char ch, size_t at)
{
    struct scan *s = n->s;
    if (at != n->next_at || s->runs_len == 0)
        s->runs[s->runs_len++] = (struct norm_run){(uint32_t)s->norm_len, (uint32_t)at};
    s->norm[s->norm_len++] = ch;
    n->next_at = at + 1;
}

static inline void put(struct norm *n, char ch, size_t at)
{
    struct scan *s = n->s;
    if (n->pending && s->norm_len && s->norm[s->norm_len - 1] != '\x01')
        emit(n, n->pending_nl ? '\n' : ' ', n->pending_at);
    n->pending = false;
    emit(n, ch, at);
}

size_t scan_map(const struct scan *s, size_t pos)
{
    size_t lo = 0, hi = s->runs_len; /* the last run starting at or before pos */
    size_t at = s->map_hint;
    if (at < hi && s->runs[at].norm <= pos) { /* matches come in text order: walk on */
        while (at + 1 < hi && s->runs[at + 1].norm <= pos)
            at++;
        ((struct scan *)s)->map_hint = at; /* a cache only: the scan is per call */
        return s->runs[at].text + (pos - s->runs[at].norm);
    }
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->runs[mid].norm <= pos)
            lo = mid;
        else
            hi = mid;
    }
    return s->runs[lo].text + (pos - s->runs[lo].norm);
}

static void sep(struct norm *n, bool nl, size_t at)
{
    if (!n->pending) {
        n->pending = true;
        n->pending_nl = false;
        n->pending_at = at;
    }
    n->pending_nl |= nl;
}

/* Length of an HTML tag at t[0..len) ('<' ... '>'), or 0 when it does not look like one. */
static size_t tag_len(const char *t, size_t len, bool *block)
{
    if (len < 3 || !(isalpha((unsigned char)t[1]) || t[1] == '/' || t[1] == '!'))
        return 0;
    size_t max = len < 400 ? len : 400;
    for (size_t i = 1; i < max; i++) {
        if (t[i] == '<')
            return 0;
        if (t[i] == '>') {
            const char *name = t[1] == '/' ? t + 2 : t + 1;
            static const char *const blocks[] = {"p",  "br", "li", "div", "h1", "h2",
                                                 "h3", "h4", "ul", "ol",  "tr", "table",
                                                 "td", "h5", "h6", "dt",  "dd", "section"};
            *block = false;
            for (size_t k = 0; k < sizeof blocks / sizeof blocks[0]; k++) {
                size_t bl = strlen(blocks[k]);
                if (strncasecmp(name, blocks[k], bl) == 0 && !isalnum((unsigned char)name[bl]))
                    *block = true;
            }
            return i + 1;
        }
    }
    return 0;
}

/* Entities and UTF-8 punctuation with an ASCII meaning: bytes used, *out the meaning. */
static size_t special(const char *t, size_t len, char *out)
{
    static const struct {
        const char *from;
        size_t n;
        char to; /* ' ' means a separator, '\n' one that ends a line (a field or list mark) */
    } table[] = {
#define SP(from, to) {from, sizeof from - 1, to}
        SP("&amp;", '&'),         SP("&nbsp;", ' '),        SP("&#160;", ' '),
        SP("&#39;", '\''),        SP("&apos;", '\''),       SP("&rsquo;", '\''),
        SP("&quot;", '"'),        SP("&ndash;", ' '),       SP("&mdash;", ' '),
        SP("\xc2\xa0", ' '),      SP("\xe2\x80\x90", ' '),  SP("\xe2\x80\x91", ' '),
        SP("\xe2\x80\x93", ' '),  SP("\xe2\x80\x94", ' '),  SP("\xe2\x80\xaf", ' '),
        SP("\xe2\x80\x98", '\''), SP("\xe2\x80\x99", '\''), SP("\xe2\x80\x9c", '"'),
        SP("\xe2\x80\x9d", '"'),   SP("\xc2\xb7", '\n'),     SP("\xe2\x80\xa2", '\n'),
        /* the same punctuation as mojibake: UTF-8 read as Windows-1252 and written again */
        SP("\xc3\xa2\xe2\x82\xac\xe2\x84\xa2", '\''), /* â€™ */
        SP("\xc3\xa2\xe2\x82\xac\xcb\x9c", '\''),     /* â€˜ */
        SP("\xc3\xa2\xe2\x82\xac\xe2\x80\x9c", ' '),  /* â€“ */
        SP("\xc3\xa2\xe2\x82\xac\xe2\x80\x9d", ' '),  /* â€” */
        SP("\xc3\xa2\xe2\x82\xac\xe2\x80\x98", ' '),  /* â€‘ (a no-break hyphen) */
        SP("\xc3\xa2\xe2\x82\xac\xc5\x93", '"'),      /* â€œ */
        SP("\xc3\xa2\xe2\x82\xac\xc2\x9d", '"'),      /* â€ and U+009D */
        SP("\xc3\xa2\xe2\x82\xac\xc2\xa2", '\n'),     /* â€¢ */
        SP("\xc3\x82\xc2\xa0", ' '),                   /* Â and a no-break space */
        SP("\xc3\x82\xc2\xb7", '\n'),                  /* Â· */
#undef SP
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t n = table[i].n;
        if (table[i].from[0] == t[0] && n <= len && memcmp(t, table[i].from, n) == 0) {
            *out = table[i].to;
            return n;
        }
    }
    return 0;
}

/*
 * Pictographs (U+1F000-U+1FFFF: emoji such as a location pin or a briefcase; U+2600-U+27BF:
 * check marks, stars, a telephone) mark fields on job boards ("\U0001F4CD Remote (USA)"), so
 * they end a line like a bullet; the emoji variation selector U+FE0F is a space. Bytes used,
 * or 0 when t[0..len) holds none of them.
 */
static size_t pictograph(const unsigned char *t, size_t len, bool *nl)
{
    *nl = true;
    if (t[0] == 0xf0 && len >= 4 && t[1] == 0x9f && (t[2] & 0xc0) == 0x80 && (t[3] & 0xc0) == 0x80)
        return 4;
    if (t[0] == 0xe2 && len >= 3 && t[1] >= 0x98 && t[1] <= 0x9e && (t[2] & 0xc0) == 0x80)
        return 3;
    if (t[0] == 0xef && len >= 3 && t[1] == 0xb8 && t[2] == 0x8f) {
        *nl = false;
        return 3;
    }
    return 0;
}

/* How the normal form treats each byte. */
enum nkind { NK_COPY = 0, NK_UPPER = 1, NK_SEP, NK_NL, NK_SPECIAL };

static const uint8_t nkind[256] = {
    ['A'] = NK_UPPER,   ['B'] = NK_UPPER,    ['C'] = NK_UPPER,    ['D'] = NK_UPPER,
    ['E'] = NK_UPPER,   ['F'] = NK_UPPER,    ['G'] = NK_UPPER,    ['H'] = NK_UPPER,
    ['I'] = NK_UPPER,   ['J'] = NK_UPPER,    ['K'] = NK_UPPER,    ['L'] = NK_UPPER,
    ['M'] = NK_UPPER,   ['N'] = NK_UPPER,    ['O'] = NK_UPPER,    ['P'] = NK_UPPER,
    ['Q'] = NK_UPPER,   ['R'] = NK_UPPER,    ['S'] = NK_UPPER,    ['T'] = NK_UPPER,
    ['U'] = NK_UPPER,   ['V'] = NK_UPPER,    ['W'] = NK_UPPER,    ['X'] = NK_UPPER,
    ['Y'] = NK_UPPER,   ['Z'] = NK_UPPER,    [' '] = NK_SEP,      ['\t'] = NK_SEP,
    ['\r'] = NK_SEP,    ['\f'] = NK_SEP,     ['\v'] = NK_SEP,     ['-'] = NK_SEP,
    ['|'] = NK_NL,
    ['_'] = NK_SEP,     [':'] = NK_SEP,      ['\n'] = NK_NL,      ['<'] = NK_SPECIAL,
    ['&'] = NK_SPECIAL, [0xc2] = NK_SPECIAL, [0xc3] = NK_SPECIAL, [0xe2] = NK_SPECIAL,
    [0xef] = NK_SPECIAL, [0xf0] = NK_SPECIAL,
};

/* Markup, an entity or UTF-8 punctuation at t[i]: bytes used (at least 1). */
static size_t normalise_special(struct norm *n, size_t i, size_t to)
{
    const char *t = n->s->text.data;
    unsigned char ch = (unsigned char)t[i];
    char meaning;
    bool block;
    size_t used;
    if (ch == '<' && (used = tag_len(t + i, to - i, &block)) > 0) {
        sep(n, block, i);
        return used;
    }
    if ((used = pictograph((const unsigned char *)t + i, to - i, &block)) > 0) {
        sep(n, block, i);
        return used;
    }
    if ((used = special(t + i, to - i, &meaning)) > 0) {
        if (meaning == ' ' || meaning == '\n')
            sep(n, meaning == '\n', i);
        else
            put(n, meaning, i);
        return used;
    }
    put(n, (char)ch, i);
    return 1;
}

/*
 * A field label run into the value before it, as pages flattened without their line breaks
 * carry them ("Work Location: RemoteEmployment Type: Full timeJob ID: 4411"): at t[i], an
 * upper-case letter right after a lower-case one, starting up to three words one space apart
 * ("Job", "ID": a capital, then only lower-case or only upper-case letters) and a colon. The
 * normal form breaks the line there, so the value and the label read as fields again. A
 * label has no lower-to-upper step inside it, so two never overlap.
 */
static bool glued_label(const unsigned char *t, size_t i, size_t from, size_t to)
{
    enum { LABEL_MAX = 32, LABEL_WORDS = 3 };
    if (i == from || t[i - 1] < 'a' || t[i - 1] > 'z')
        return false;
    size_t words = 0;
    bool upper = false; /* the word's letters after its capital are capitals */
    for (size_t k = i; k < to && k - i <= LABEL_MAX; k++) {
        unsigned char c = t[k];
        bool is_upper = c >= 'A' && c <= 'Z', is_lower = c >= 'a' && c <= 'z';
        if (k == i || t[k - 1] == ' ') { /* a word starts: a capital */
            if (!is_upper || ++words > LABEL_WORDS)
                return false;
        } else if (c == ':') {
            return k > i + 1;
        } else if (c == ' ') {
            continue;
        } else if (t[k - 1] >= 'A' && t[k - 1] <= 'Z' && (k == i + 1 || t[k - 2] == ' ')) {
            if (!is_upper && !is_lower)
                return false;
            upper = is_upper; /* the second letter sets the word's case */
        } else if (upper ? !is_upper : !is_lower) {
            return false;
        }
    }
    return false;
}

/*
 * One zone of the text into the normal form. The common bytes (letters, digits, spaces) are
 * handled in this loop with the state in locals; the rest goes through normalise_special.
 * A lone separator between two plain bytes is written in the inner loop too: sep() then put()
 * would write the same byte at the same offset, so the norm and the text stay in one run.
 */
static void normalise_zone(struct norm *n, size_t from, size_t to)
{
    struct scan *s = n->s;
    const unsigned char *t = (const unsigned char *)s->text.data;
    for (size_t i = from; i < to;) {
        uint8_t kind = nkind[t[i]];
        if (kind <= NK_UPPER) {
            if (kind == NK_UPPER && n->glued_left > 0 && glued_label(t, i, from, to)) {
                n->glued_left--;
                sep(n, true, i);
            }
            put(n, (char)(t[i] | kind << 5), i); /* NK_UPPER is 1: 1 << 5 lower-cases */
            /* the rest of a run of plain bytes: no mapping to record, locals only */
            const unsigned char *in = t + i + 1, *end = t + to;
            char *out = s->norm + s->norm_len;
            while (in < end) {
                unsigned c = *in, k = nkind[c];
                if (k == NK_UPPER && in[-1] >= 'a' && in[-1] <= 'z')
                    break; /* maybe a glued label (glued_label): the outer loop looks */
                if (k > NK_UPPER) { /* a lone separator goes on; anything else ends the run */
                    if (k > NK_NL || in + 1 == end || nkind[in[1]] > NK_UPPER ||
                        out[-1] == '\x01')
                        break;
                    c = k == NK_NL ? '\n' : ' ';
                    k = 0;
                }
                *out++ = (char)(c | k << 5);
                in++;
            }
            i = (size_t)(in - t);
            s->norm_len = (size_t)(out - s->norm);
            n->next_at = i;
        } else if (kind <= NK_NL) {
            sep(n, kind == NK_NL, i);
            i++;
        } else {
            i += normalise_special(n, i, to);
        }
    }
}

/* Each zone in turn; a zone ends with '\x01', which no phrase crosses. */
static void normalise(struct scan *s)
{
    struct norm n = {s, GLUED_MAX(s->text.len + 1), false, false, 0, 0};
    const size_t ends[] = {s->title_end, s->loc_end, s->body_end, s->hint_end, s->text.len};
    size_t from = 0;
    for (size_t z = 0; z < sizeof ends / sizeof ends[0]; z++) {
        normalise_zone(&n, from, ends[z]);
        if (ends[z] < s->text.len) {
            n.pending = false;
            put(&n, '\x01', ends[z]);
        }
        from = ends[z] + 1;
    }
    s->norm[s->norm_len] = '\0'; /* ac_scan's end mark; n holds the norm and one more byte */
}

/* ---- matches ---- */

int scan_add_match(struct scan *s, uint32_t rule, size_t start, size_t end)
{
    unsigned zone = scan_zone(s, start);
    const struct rule *r = &s->c->rules[rule];
    if (!(zone & r->zones))
        return URS_OK;
    if (s->m_len == s->m_cap) {
        if (s->m_cap >= CLASSIFY_MAX_MATCHES) {
            s->m_full = true;
            return URS_OK;
        }
        size_t cap = s->m_cap ? s->m_cap * 2 : 256;
        struct match *m = realloc(s->m, cap * sizeof *m);
        if (!m)
            return URS_ENOMEM;
        s->m = m;
        s->m_cap = cap;
    }
    s->m[s->m_len++] =
        (struct match){rule, (uint32_t)start, (uint32_t)end, (uint8_t)zone, (uint8_t)r->tag, false};
    if (r->tag == CT_PAGE && (r->value == PV_TAIL || r->value == PV_ABOUT))
        s->m_heading = true;
    return URS_OK;
}

static int run_regexes(struct scan *s)
{
    pcre2_match_data *md = pcre2_match_data_create(8, NULL);
    if (!md)
        return URS_ENOMEM;
    int rc = URS_OK;
    int8_t has_byte[256]; /* per first byte of a regex: 1 in the text, 0 not, -1 not looked */
    memset(has_byte, -1, sizeof has_byte);
    for (size_t i = 0; i < s->c->regex_len && rc == URS_OK; i++) {
        size_t r = s->c->regex[i];
        int first = s->c->rules[r].first_byte;
        if (first >= 0) { /* a memchr is much cheaper than a match attempt over the text */
            if (has_byte[first] < 0)
                has_byte[first] = memchr(s->text.data, first, s->text.len) != NULL;
            if (!has_byte[first])
                continue;
        }
        PCRE2_SIZE at = 0;
        for (int hits = 0; hits < REGEX_MAX_HITS && at <= s->text.len; hits++) {
            int m = pcre2_match(s->c->rules[r].re, (PCRE2_SPTR)s->text.data, s->text.len, at, 0, md,
                                s->c->mctx);
            if (m < 0)
                break; /* no match, or a match limit: either way this rule is done */
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[1] > ov[0] && (rc = scan_add_match(s, (uint32_t)r, ov[0], ov[1])) != URS_OK)
                break;
            at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        }
    }
    pcre2_match_data_free(md);
    return rc;
}

static bool before(const struct match *x, const struct match *y)
{
    if (x->start != y->start)
        return x->start < y->start;
    if (x->end != y->end)
        return x->end > y->end;
    return x->rule < y->rule;
}

/*
 * Order matches by start, longest first. The trie walk yields them by start with the ends
 * rising, so each run of one start is reversed, and the few regex matches at the end are
 * inserted: near-sorted input, so insertion sort is linear in practice.
 */
static void sort_matches(struct scan *s)
{
    struct match *m = s->m;
    for (size_t a = 0; a < s->m_len;) {
        size_t b = a + 1;
        while (b < s->m_len && m[b].start == m[a].start && m[b].end >= m[b - 1].end)
            b++;
        for (size_t i = a, j = b - 1; i < j; i++, j--) {
            struct match t = m[i];
            m[i] = m[j];
            m[j] = t;
        }
        a = b;
    }
    for (size_t i = 1; i < s->m_len; i++) {
        struct match t = m[i];
        size_t j = i;
        for (; j > 0 && before(&t, &m[j - 1]); j--)
            m[j] = m[j - 1];
        m[j] = t;
    }
}

/* A match inside a longer match of the same tag says nothing of its own. */
static void drop_contained(struct scan *s)
{
    uint32_t best_end[CT_COUNT] = {0}, best_start[CT_COUNT] = {0};
    sort_matches(s);
    for (size_t i = 0; i < s->m_len; i++) {
        struct match *m = &s->m[i];
        enum ctag t = m->tag;
        if (best_end[t] > m->end || (best_end[t] == m->end && best_start[t] < m->start))
            m->dropped = DROP_CONTAINED;
        if (m->end > best_end[t]) {
            best_end[t] = m->end;
            best_start[t] = m->start;
        }
    }
}

/*
 * A heading that starts a list of other jobs ("Similar jobs", "People also viewed"): what
 * follows describes those jobs, not this one, so the body ends there. Only a heading past the
 * head of the description or past its middle counts: some sites put the list beside the
 * description, before it, and a page that is itself a list of jobs starts with one.
 */
static void cut_tail(struct scan *s)
{
    size_t cut = s->body_end, half = s->body_start + (s->body_end - s->body_start) / 2, at = 0;
    for (; at < s->m_len && s->m[at].start < s->body_end; at++) {
        const struct match *m = &s->m[at];
        if (!m->dropped && m->tag == CT_PAGE && s->c->rules[m->rule].value == PV_TAIL &&
            (m->start >= s->head_end || m->start >= half)) {
            cut = m->start; /* matches are in text order: the first is the earliest */
            break;
        }
    }
    if (cut == s->body_end)
        return;
    for (size_t i = 0; i < s->m_len; i++) {
        struct match *m = &s->m[i];
        if (i != at && !m->dropped && m->start >= cut && m->start < s->body_end)
            m->dropped = DROP_TAIL;
    }
    s->body_end = cut;
}

/* A mark between header fields or before a list item: "|", a middle dot or a bullet. */
static bool field_mark(const unsigned char *t, size_t i, size_t len)
{
    if (t[i] == '|')
        return true;
    if (t[i] == 0xc2)
        return i + 1 < len && t[i + 1] == 0xb7;
    return t[i] == 0xe2 && i + 2 < len && t[i + 1] == 0x80 && t[i + 2] == 0xa2;
}

/* A line break, or a field mark that the normal form reads as one: bytes it takes, or 0. */
static size_t line_mark(const struct scan *s, size_t i)
{
    const unsigned char *t = (const unsigned char *)s->text.data;
    if (t[i] == '\n')
        return 1;
    if (!field_mark(t, i, s->body_end))
        return 0;
    return t[i] == '|' ? 1 : t[i] == 0xc2 ? 2 : 3;
}

size_t scan_line_mark(const struct scan *s, size_t i)
{
    if (i < s->body_end)
        return line_mark(s, i);
    return i < s->text.len && s->text.data[i] == '\n';
}

size_t scan_mark_before(const struct scan *s, size_t off)
{
    const unsigned char *t = (const unsigned char *)s->text.data;
    if (off == 0 || off > s->text.len)
        return 0;
    if (t[off - 1] == '\n' || t[off - 1] == '|')
        return 1;
    if (off >= 2 && t[off - 2] == 0xc2 && t[off - 1] == 0xb7)
        return 2;
    return off >= 3 && t[off - 3] == 0xe2 && t[off - 2] == 0x80 && t[off - 1] == 0xa2 ? 3 : 0;
}

/* The end of a section that starts at text offset from: the line break before the next line
 * that reads as a heading (short, no closing punctuation), at most ABOUT_MAX bytes on. */
static size_t section_end(const struct scan *s, size_t from)
{
    const char *t = s->text.data;
    size_t cap = from + ABOUT_MAX < s->body_end ? from + ABOUT_MAX : s->body_end, used;
    for (size_t i = from; i < cap; i++) {
        if ((used = line_mark(s, i)) == 0)
            continue;
        size_t a = i + used, b = a;
        while (b < s->body_end && line_mark(s, b) == 0)
            b++;
        while (a < b && isspace((unsigned char)t[a]))
            a++;
        size_t e = b;
        while (e > a && isspace((unsigned char)t[e - 1]))
            e--;
        if (e > a && e - a <= HEADING_MAX && !strchr(".,;", t[e - 1]))
            return i;
    }
    return cap;
}

/*
 * A section about the company ("About us", "Who we are", "About Acme Health"): what it says
 * of the company's business is not the job. A UM company's blurb on its IT or sales posting,
 * or a health plan's on its clinic's therapist posting, names utilization management and
 * prior authorization; its role, review and discipline words count for nothing.
 */
static void drop_about(struct scan *s)
{
    for (size_t i = 0; i < s->m_len && s->m[i].start < s->body_end; i++) {
        const struct match *h = &s->m[i];
        if (h->dropped || h->tag != CT_PAGE || s->c->rules[h->rule].value != PV_ABOUT ||
            h->start < s->body_start)
            continue;
        size_t end = section_end(s, h->end);
        for (size_t k = i + 1; k < s->m_len && s->m[k].start < end; k++) {
            struct match *m = &s->m[k];
            if (!m->dropped && m->start >= h->end &&
                (m->tag == CT_UR || m->tag == CT_ROLE || m->tag == CT_DISCIPLINE))
                m->dropped = DROP_ABOUT;
        }
    }
}

static void tally(struct scan *s)
{
    const struct csettings *set = &s->c->set;
    for (size_t i = 0; i < s->m_len; i++) {
        const struct match *m = &s->m[i];
        if (m->dropped)
            continue;
        if (s->count[m->rule]++ == 0)
            s->first[m->rule] = (int32_t)i;
    }
    for (size_t r = 0; r < s->c->rules_len; r++) {
        if (!s->count[r])
            continue;
        s->active[s->active_len++] = (uint32_t)r;
        const struct rule *rule = &s->c->rules[r];
        double n = s->count[r] < set->repeat_max ? s->count[r] : set->repeat_max;
        SCORE(s, rule->tag, rule->value) += rule->weight * (1 + set->repeat_bonus * (n - 1));
    }
}

int scan_run(struct scan *s, const struct classifier *c, const struct posting *p)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    /* title, location and two hints of URS_MAX_FIELD each, description, url, 5 line breaks */
    sbuf_init(&s->text, URS_MAX_TITLE + 3 * URS_MAX_FIELD + CLASSIFY_MAX_TEXT + URS_MAX_URL + 16);
    int rc = layout(s, p, c->set.head_bytes);
    if (rc != URS_OK)
        return rc;
    /* two blocks, not six: the runs then the norm; the score table then the per-rule arrays
     * (each part's alignment is no larger than the one before it) */
    size_t n = s->text.len + 1 + GLUED_MAX(s->text.len + 1);
    size_t nrules = c->rules_len + 1, nscore = CT_COUNT * CT_MAX_VALUES;
    s->runs = malloc(n * (sizeof *s->runs + 1));
    s->score = calloc(1, nscore * sizeof *s->score +
                             nrules * (sizeof *s->count + sizeof *s->first + sizeof *s->active));
    if (!s->runs || !s->score)
        return URS_ENOMEM;
    s->norm = (char *)(s->runs + n);
    s->count = (uint32_t *)(s->score + nscore);
    s->first = (int32_t *)(s->count + nrules);
    s->active = (uint32_t *)(s->first + nrules);
    normalise(s);
    if ((rc = ac_scan(s)) != URS_OK || (rc = run_regexes(s)) != URS_OK)
        return rc;
    if (s->m_full)
        log_warn("classify: more than %d rule matches in '%.60s'; the rest ignored",
                 CLASSIFY_MAX_MATCHES, p->title ? p->title : "");
    drop_contained(s);
    if (s->m_heading) { /* two passes over every match: only for a page with such a heading */
        cut_tail(s);
        drop_about(s);
    }
    tally(s);
    if (c->lr.loaded && c->lr_use != CLASSIFY_LR_OFF)
        rc = lr_score(&c->lr, s->text.data, s->title_end, s->text.data + s->body_start,
                      s->body_end - s->body_start, &s->hits, s->lr_p);
    return rc;
}

void scan_free(struct scan *s)
{
    sbuf_free(&s->text);
    free(s->runs); /* and the norm */
    free(s->m);
    free(s->score); /* and count, first and active */
    free(s->hits.idx);
    memset(s, 0, sizeof *s);
}

bool scan_same_clause(const struct scan *s, size_t a, size_t b)
{
    const char *t = s->text.data;
    for (size_t i = a; i < b && i < s->text.len; i++) {
        if (t[i] == '\n' || t[i] == ';' || field_mark((const unsigned char *)t, i, s->text.len))
            return false;
        /* ". X" ends a sentence; "U.S. state" and "D.C." do not */
        if (t[i] == '.' && i + 1 < b && t[i + 1] == ' ' && i > 0 &&
            islower((unsigned char)t[i - 1]))
            return false;
    }
    return true;
}

static int add_evidence(struct posting *p, enum tag_kind kind, const char *value,
                        const struct scan *s, const struct match *m)
{
    for (size_t i = 0; i < p->evidence_len; i++) /* one row per tag, value and place */
        if (p->evidence[i].tag == kind && p->evidence[i].offset == m->start &&
            strcmp(p->evidence[i].value, value) == 0)
            return URS_OK;
    int rc =
        posting_add_evidence(p, kind, value, s->text.data + m->start, m->end - m->start, m->start);
    return rc == URS_ELIMIT ? URS_OK : rc;
}

int scan_evidence(const struct scan *s, struct posting *p, enum tag_kind kind, const char *value,
                  enum ctag tag, int v, size_t n)
{
    uint32_t used[8];
    size_t used_len = 0;
    int rc = URS_OK;
    n = n < 8 ? n : 8;
    while (used_len < n && rc == URS_OK) {
        long best = -1;
        for (size_t i = 0; i < s->active_len; i++) {
            uint32_t r = s->active[i];
            const struct rule *rule = &s->c->rules[r];
            if (rule->tag != tag || rule->value != v || rule->weight <= 0)
                continue;
            bool taken = false;
            for (size_t k = 0; k < used_len; k++)
                taken |= used[k] == r;
            if (taken)
                continue;
            if (best < 0 || rule->weight > s->c->rules[best].weight)
                best = (long)r;
        }
        if (best < 0)
            break;
        used[used_len++] = (uint32_t)best;
        rc = add_evidence(p, kind, value, s, &s->m[s->first[best]]);
    }
    return rc;
}
