/* SPDX-License-Identifier: MIT */
/* The one page layout, its stylesheet, escaping and the pages that explain an error. */
#include <string.h>

#include "common/text.h"
#include "web/web_int.h"

/* Readable from 360 px up: one column, system fonts, big enough tap targets. */
const char web_stylesheet[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "color:#1d2530;background:#f4f6f8}\n"
    "header{background:#1f4e79;color:#fff;padding:.6rem 1rem;font-weight:600}\n"
    "main{max-width:40rem;margin:0 auto;padding:1rem;background:#fff;min-height:60vh}\n"
    "h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}\n"
    "a{color:#1f4e79}p{margin:.5rem 0}\n"
    "fieldset{border:1px solid #cfd6de;border-radius:6px;margin:0 0 1rem;padding:.6rem .8rem}\n"
    "legend{font-weight:600;padding:0 .3rem}\n"
    "label{display:block;margin:.3rem 0}\n"
    "label.opt{display:inline-block;min-width:6.5rem;margin:.15rem .6rem .15rem 0}\n"
    "input[type=text],input[type=email],input[type=number],input[type=password],select,"
    "textarea{width:100%;"
    "font:inherit;padding:.45rem;border:1px solid #9aa7b4;border-radius:4px}\n"
    "textarea{min-height:4.5rem}\n"
    "button{font:inherit;padding:.55rem 1.2rem;border:0;border-radius:4px;background:#1f4e79;"
    "color:#fff;cursor:pointer;margin:.3rem .4rem .3rem 0}\n"
    "button.danger{background:#a4262c}\n"
    ".note{color:#4a5663;font-size:.9rem}\n"
    ".ok{background:#e6f4ea;border-left:4px solid #2e7d32;padding:.5rem .8rem}\n"
    ".bad{background:#fdecea;border-left:4px solid #a4262c;padding:.5rem .8rem}\n"
    "ul.jobs{list-style:none;padding:0}ul.jobs li{border-bottom:1px solid #e1e6eb;"
    "padding:.6rem 0}\n"
    "nav.pages a{margin-right:1rem}\n"
    /* the coach desk (web/coach.c) */
    "form.inline{display:inline}form.inline button{padding:.3rem .8rem}\n"
    "form.inline input[type=text]{margin:.3rem 0}\n"
    "nav.desk{margin:0 0 .6rem;font-size:.95rem}\n"
    ".tag{font-size:.8rem;background:#e1e6eb;border-radius:3px;padding:0 .35rem}\n"
    "footer{max-width:40rem;margin:0 auto;padding:1rem;font-size:.85rem;color:#4a5663}\n";

const char *const web_security_headers[] = {
    /* no script, image, font or frame; styles only from here; forms post only here */
    "Content-Security-Policy",
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options",
    "nosniff",
    "X-Frame-Options",
    "DENY",
    "Referrer-Policy",
    "no-referrer",
    "X-Robots-Tag",
    "noindex, nofollow",
    NULL,
};

const char web_csp_mail[] =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

static const struct {
    int status;
    const char *reason;
    const char *text;
} statuses[] = {
    {200, "OK", ""},
    {303, "See Other", ""},
    {400, "Bad Request", "The request could not be read. Go back and try again."},
    {403, "Forbidden", "This request is not allowed."},
    {404, "Not Found", "There is nothing at this address. Check the link you followed."},
    {405, "Method Not Allowed", "This address does not take that kind of request."},
    {408, "Request Timeout", "The request took too long to arrive."},
    {411, "Length Required", "A request body needs a Content-Length."},
    {413, "Content Too Large", "The request body is too large."},
    {414, "URI Too Long", "The address is too long."},
    {429, "Too Many Requests", "Too many requests. Please wait an hour and try again."},
    {431, "Request Header Fields Too Large", "The request headers are too large."},
    {503, "Service Unavailable",
     "Your request could not be recorded just now. Please try again in a minute."},
};

static size_t status_index(int status)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].status == status)
            return i;
    return 2;
}

const char *web_status_reason(int status)
{
    size_t i = status_index(status);
    return statuses[i].status == status ? statuses[i].reason : "Error";
}

int web_esc(struct sbuf *b, const char *s)
{
    return s ? text_html_escape(b, s) : URS_OK;
}

int web_page_begin(struct sbuf *b, const struct web_site *site, const char *title)
{
    int rc = sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, "
                          "initial-scale=1\">\n<meta name=\"robots\" content=\"noindex, "
                          "nofollow\">\n<title>");
    if (rc == URS_OK)
        rc = web_esc(b, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"");
    if (rc == URS_OK)
        rc = web_esc(b, site->prefix);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "/style.css\">\n</head>\n<body>\n<header>");
    if (rc == URS_OK)
        rc = web_esc(b, site->site_name && *site->site_name ? site->site_name : "urscout");
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</header>\n<main>\n<h1>");
    if (rc == URS_OK)
        rc = web_esc(b, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</h1>\n");
    return rc;
}

int web_page_end(struct sbuf *b)
{
    return sbuf_puts(b, "</main>\n</body>\n</html>\n");
}

int web_resp_message(struct web_resp *resp, const struct web_site *site, int status,
                     const char *title, const char *text, const char *link_rel,
                     const char *link_text)
{
    struct sbuf *b = &resp->body;
    resp->status = status;
    sbuf_reset(b);
    int rc = web_page_begin(b, site, title);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "<p>");
    if (rc == URS_OK)
        rc = web_esc(b, text);
    if (rc == URS_OK)
        rc = sbuf_puts(b, "</p>\n");
    if (rc == URS_OK && link_rel) {
        rc = sbuf_puts(b, "<p><a href=\"");
        if (rc == URS_OK)
            rc = web_esc(b, site->prefix);
        if (rc == URS_OK)
            rc = web_esc(b, link_rel);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "\">");
        if (rc == URS_OK)
            rc = web_esc(b, link_text);
        if (rc == URS_OK)
            rc = sbuf_puts(b, "</a></p>\n");
    }
    if (rc == URS_OK)
        rc = web_page_end(b);
    return rc;
}

int web_resp_page_status(struct web_resp *resp, const struct web_site *site, int status)
{
    return web_resp_message(resp, site, status, web_status_reason(status),
                            statuses[status_index(status)].text, NULL, NULL);
}

int web_resp_bad_token(struct web_resp *resp, const struct web_site *site)
{
    return web_resp_message(
        resp, site, 404, "Link not valid",
        "This link is not valid: it may be incomplete or expired, or the address it was sent "
        "to is no longer on the list. Use the links in your latest digest, or sign up again.",
        "/signup", "Sign up");
}

int web_resp_csrf_failed(struct web_resp *resp, const struct web_site *site)
{
    return web_resp_message(resp, site, 403, "Form expired",
                            "Nothing was changed: this form is too old or did not come from "
                            "this site. Go back, reload the page and send the form again.",
                            NULL, NULL);
}

int web_resp_redirect(struct web_resp *resp, const struct web_site *site, const char *rel)
{
    struct sbuf loc;
    sbuf_init(&loc, WEB_MAX_HDR_VALUE);
    int rc = sbuf_printf(&loc, "%s%s", site->prefix, rel);
    if (rc == URS_OK)
        rc = web_resp_header(resp, "Location", sbuf_str(&loc));
    sbuf_free(&loc);
    if (rc == URS_OK)
        rc = web_resp_message(resp, site, 303, "Saved", "Saved.", rel, "Continue");
    return rc;
}

static int serve_stylesheet(const struct web_site *site, const struct web_req *req,
                            struct web_resp *resp)
{
    (void)site;
    (void)req;
    resp->content_type = "text/css; charset=utf-8";
    resp->cacheable = true;
    return sbuf_append(&resp->body, web_stylesheet, sizeof web_stylesheet - 1);
}

const struct web_route web_static_routes[] = {
    {WEB_GET, "/style.css", serve_stylesheet},
    {0, NULL, NULL},
};
