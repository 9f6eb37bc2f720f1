/* SPDX-License-Identifier: MIT */
/* CSRF tokens: an HMAC over what the form acts on and when it was issued. */
#include "web/csrf.h"
#include "web/page.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "common/text.h"

#define MAC_BYTES   16
#define SUBJECT_MAX 200
#define SLACK       60

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of MAC_BYTES bytes without padding (22 characters) into out. */
static void encode(const unsigned char *in, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < MAC_BYTES; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < MAC_BYTES)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < MAC_BYTES)
            v |= in[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        if (i + 1 < MAC_BYTES)
            out[o++] = b64url[(v >> 6) & 63];
        if (i + 2 < MAC_BYTES)
            out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
}

static bool mac_for(const struct web_site *site, const char *subject, long long issued,
                    char out[32])
{
    char msg[SUBJECT_MAX + 48];
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;
    if (!site->hmac_key || site->hmac_key_len == 0 || strlen(subject) > SUBJECT_MAX)
        return false;
    int n = snprintf(msg, sizeof msg, "csrf\n%s\n%lld", subject, issued);
    if (n < 0 || (size_t)n >= sizeof msg ||
        !HMAC(EVP_sha256(), site->hmac_key, (int)site->hmac_key_len, (const unsigned char *)msg,
              (size_t)n, full, &full_len) ||
        full_len < MAC_BYTES)
        return false;
    encode(full, out);
    return true;
}

int web_csrf_make(const struct web_site *site, const char *subject, int64_t now,
                  char out[WEB_CSRF_MAX])
{
    char mac[32];
    out[0] = '\0';
    if (!mac_for(site, subject, (long long)now, mac))
        return URS_EINVAL;
    (void)snprintf(out, WEB_CSRF_MAX, "%lld.%s", (long long)now, mac);
    return URS_OK;
}

bool web_csrf_check(const struct web_site *site, const char *subject, const char *token,
                    int64_t now)
{
    if (!token || strlen(token) >= WEB_CSRF_MAX)
        return false;
    const char *dot = strchr(token, '.');
    if (!dot || dot == token || dot - token > 19)
        return false;
    char num[24];
    memcpy(num, token, (size_t)(dot - token));
    num[dot - token] = '\0';
    long long issued = 0;
    if (text_parse_int(num, 0, 1LL << 40, &issued) != URS_OK || issued > now + SLACK ||
        issued + WEB_CSRF_TTL < now)
        return false;
    char want[32];
    if (!mac_for(site, subject, issued, want) || strlen(dot + 1) != strlen(want))
        return false;
    return CRYPTO_memcmp(dot + 1, want, strlen(want)) == 0;
}

bool web_csrf_form(const struct web_site *site, const struct web_req *req, const char *subject,
                   struct web_form *f, struct web_resp *resp, int *rc)
{
    int pr = web_form_parse(req->content_type, req->body, req->body_len, f);
    if (pr == URS_ENOMEM) {
        *rc = URS_ENOMEM;
        return false;
    }
    if (pr != URS_OK) {
        *rc = web_resp_page_status(resp, site, 400);
        return false;
    }
    if (!web_csrf_check(site, subject, web_form_get(f, WEB_CSRF_FIELD), req->now)) {
        web_form_free(f);
        *rc = web_resp_csrf_failed(resp, site);
        return false;
    }
    *rc = URS_OK;
    return true;
}

int web_csrf_field(struct sbuf *b, const struct web_site *site, const char *subject, int64_t now)
{
    char tok[WEB_CSRF_MAX];
    int rc = web_csrf_make(site, subject, now, tok);
    if (rc == URS_OK)
        rc = sbuf_printf(b, "<input type=\"hidden\" name=\"" WEB_CSRF_FIELD "\" value=\"%s\">\n",
                         tok);
    return rc;
}
