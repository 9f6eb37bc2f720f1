/* SPDX-License-Identifier: MIT */
/* Safe libxml2 use for the adapters: XML without entities or DTDs, recovering HTML, XPath. */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xpathInternals.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/text.h"
#include "common/utf8.h"
#include "crawler/adapt.h"

/* Line and column (1-based) of byte offset off. */
static void line_col(const char *s, size_t off, int *line, int *col)
{
    int ln = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n') {
            ln++;
            start = i + 1;
        }
    *line = ln;
    *col = (int)(off - start + 1);
}

/*
 * Refuse declarations that make entities: a DOCTYPE with an internal subset, or any
 * <!ENTITY. Without them libxml2 has nothing to expand (no XXE, no billion laughs).
 */
static int refuse_entities(struct crawl_job *job, const char *where, const char *s, size_t len,
                           struct err *e)
{
    size_t at = text_find_ci(s, len, "<!ENTITY");
    size_t dt = text_find_ci(s, len, "<!DOCTYPE");
    if (dt != (size_t)-1) {
        for (size_t i = dt; i < len && s[i] != '>'; i++)
            if (s[i] == '[') {
                at = dt;
                break;
            }
    }
    if (at == (size_t)-1)
        return URS_OK;
    int line, col;
    line_col(s, at, &line, &col);
    return err_set(e, URS_EPARSE,
                   "%s: %.100s: %d:%d: DOCTYPE with an internal subset or ENTITY declaration "
                   "refused (entity expansion is not allowed)",
                   crawl_job_name(job), where, line, col);
}

/* True when the XML declaration names an encoding other than UTF-8. */
static bool declares_other_encoding(const char *s, size_t len)
{
    size_t n = len < 200 ? len : 200;
    if (n < 5 || memcmp(s, "<?xml", 5) != 0)
        return false;
    size_t at = text_find_ci(s, n, "encoding=");
    if (at == (size_t)-1 || at + 10 > n)
        return false;
    const char *v = s + at + 10;
    return strncasecmp(v, "utf-8", 5) != 0 && strncasecmp(v, "utf8", 4) != 0;
}

/* C0 controls XML 1.0 forbids even as references (all but TAB, LF, CR). */
static bool xml_forbidden(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Drop forbidden control bytes (one stray ESC must not cost the whole feed). */
static int drop_controls(struct crawl_job *job, const char *where, const char **data, size_t *len,
                         struct sbuf *buf)
{
    size_t i = 0;
    while (i < *len && !xml_forbidden((unsigned char)(*data)[i]))
        i++;
    if (i == *len)
        return URS_OK;
    log_warn("source=%s url=%.120s: control characters dropped from XML", crawl_job_name(job),
             where);
    struct sbuf clean;
    sbuf_init(&clean, *len + 1);
    int rc = URS_OK;
    for (size_t k = 0; k < *len && rc == URS_OK; k++)
        if (!xml_forbidden((unsigned char)(*data)[k]))
            rc = sbuf_putc(&clean, (*data)[k]);
    if (rc != URS_OK) {
        sbuf_free(&clean);
        return rc;
    }
    sbuf_free(buf);
    *buf = clean;
    *data = buf->data ? buf->data : "";
    *len = buf->len;
    return URS_OK;
}

int crawl_xml_read(struct crawl_job *job, const char *url, const char *data, size_t len,
                   xmlDocPtr *out, struct err *e)
{
    *out = NULL;
    const char *where = url ? url : "document";
    if (len > INT_MAX)
        return err_set(e, URS_ELIMIT, "%s: %.100s: XML too large", crawl_job_name(job), where);
    int rc = refuse_entities(job, where, data, len, e);
    if (rc != URS_OK)
        return rc;
    struct sbuf fixed;
    sbuf_init(&fixed, len * 3 + 16);
    if (!declares_other_encoding(data, len) && !utf8_valid(data, len)) {
        log_warn("source=%s url=%.120s: invalid UTF-8 replaced by U+FFFD", crawl_job_name(job),
                 where);
        if (crawl_utf8_repair(data, len, &fixed) != URS_OK)
            return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
        data = fixed.data;
        len = fixed.len;
    }
    if (drop_controls(job, where, &data, &len, &fixed) != URS_OK) {
        sbuf_free(&fixed);
        return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        sbuf_free(&fixed);
        return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
    }
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    *out = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, opts);
    if (!*out) {
        const xmlError *xe = xmlCtxtGetLastError(ctxt);
        char msg[160] = "not well-formed";
        if (xe && xe->message) {
            size_t n = strcspn(xe->message, "\r\n");
            snprintf(msg, sizeof msg, "%.*s", (int)n, xe->message);
        }
        rc = err_set(e, URS_EPARSE, "%s: %.100s: %d:%d: %s", crawl_job_name(job), where,
                     xe ? xe->line : 0, xe ? xe->int2 : 0, msg);
    }
    xmlFreeParserCtxt(ctxt);
    sbuf_free(&fixed);
    return rc;
}

/* True when the page names a charset other than UTF-8 (libxml2 then follows the meta tag). */
static bool html_other_charset(const char *s, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    size_t at = text_find_ci(s, n, "charset=");
    if (at == (size_t)-1)
        return false;
    const char *v = s + at + 8;
    while (v < s + n && (*v == '"' || *v == '\''))
        v++;
    return (size_t)(s + n - v) >= 4 && strncasecmp(v, "utf-8", 5) != 0 &&
           strncasecmp(v, "utf8", 4) != 0;
}

int crawl_html_read(struct crawl_job *job, const char *url, const char *data, size_t len,
                    htmlDocPtr *out, struct err *e)
{
    *out = NULL;
    const char *where = url ? url : "document";
    if (len > INT_MAX)
        return err_set(e, URS_ELIMIT, "%s: %.100s: HTML too large", crawl_job_name(job), where);
    struct sbuf fixed;
    sbuf_init(&fixed, len * 3 + 16);
    const char *enc = "UTF-8";
    if (html_other_charset(data, len)) {
        enc = NULL;
    } else if (!utf8_valid(data, len)) {
        log_warn("source=%s url=%.120s: invalid UTF-8 replaced by U+FFFD", crawl_job_name(job),
                 where);
        if (crawl_utf8_repair(data, len, &fixed) != URS_OK)
            return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
        data = fixed.data;
        len = fixed.len;
    }
    int opts = HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |
               HTML_PARSE_COMPACT;
    *out = htmlReadMemory(data, (int)len, NULL, enc, opts);
    sbuf_free(&fixed);
    if (!*out)
        return err_set(e, URS_EPARSE, "%s: %.100s: HTML could not be parsed", crawl_job_name(job),
                       where);
    return URS_OK;
}

/* XPath errors are reported through the return value, not printed. */
static void xpath_quiet(void *ctx, xmlErrorPtr error)
{
    (void)ctx;
    (void)error;
}

int crawl_xpath(struct crawl_job *job, xmlDocPtr doc, xmlNodePtr node, const char *expr,
                xmlXPathObjectPtr *out, struct err *e)
{
    *out = NULL;
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx)
        return err_set(e, URS_ENOMEM, "%s: out of memory", crawl_job_name(job));
    ctx->error = xpath_quiet;
    if (node)
        ctx->node = node;
    xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    xmlXPathFreeContext(ctx);
    if (!obj)
        return err_set(e, URS_EINVAL, "%s: xpath '%.80s': invalid expression", crawl_job_name(job),
                       expr);
    if (obj->type != XPATH_NODESET) {
        xmlXPathFreeObject(obj);
        return err_set(e, URS_EINVAL, "%s: xpath '%.80s': does not select nodes",
                       crawl_job_name(job), expr);
    }
    *out = obj;
    return URS_OK;
}

char *crawl_node_text(xmlNodePtr node)
{
    xmlChar *c = xmlNodeGetContent(node);
    char *s = strdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

char *crawl_node_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

xmlNodePtr crawl_node_child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)name))
            return c;
    return NULL;
}
