/* SPDX-License-Identifier: MIT */
/* Link tokens (unsubscribe, preferences, timed sign-up confirmation): HMAC-SHA256. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "notifier/notifier_int.h"

#define MAC_BYTES 16 /* HMAC-SHA256 cut to 128 bits (RFC 2104 5: at least half the hash) */
#define MAC_CHARS 22 /* base64url of 16 bytes, no padding */

/* The MAC input names the scheme, so a token can never be replayed as another kind of MAC. */
static int compute(const char *key, size_t key_len, char purpose, int64_t id, int64_t issued,
                   unsigned char mac[MAC_BYTES], struct err *e)
{
    char msg[80];
    /* untimed tokens keep the input they always had, so links already mailed stay valid */
    int n = issued > 0 ? snprintf(msg, sizeof msg, "urscout-token-v1:%c:%lld:%lld", purpose,
                                  (long long)id, (long long)issued)
                       : snprintf(msg, sizeof msg, "urscout-token-v1:%c:%lld", purpose,
                                  (long long)id);
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;
    if (n <= 0 ||
        !HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, (size_t)n, full,
              &full_len) ||
        full_len < MAC_BYTES)
        return err_set(e, URS_EINVAL, "token: HMAC-SHA256 failed");
    memcpy(mac, full, MAC_BYTES);
    OPENSSL_cleanse(full, sizeof full);
    return URS_OK;
}

static bool valid_purpose(int purpose)
{
    return purpose == NOTIFY_TOKEN_UNSUBSCRIBE || purpose == NOTIFY_TOKEN_PREFERENCES;
}

int notify_token_make(const char *key, size_t key_len, enum notify_purpose purpose, int64_t id,
                      char out[NOTIFY_TOKEN_MAX], struct err *e)
{
    unsigned char mac[MAC_BYTES];
    out[0] = '\0';
    if (!key || key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL, "token: the HMAC key must be at least %d bytes",
                       NOTIFY_MIN_KEY);
    if (id <= 0 || !valid_purpose((int)purpose))
        return err_set(e, URS_EINVAL, "token: bad purpose or id");
    if (compute(key, key_len, (char)purpose, id, 0, mac, e) != URS_OK)
        return URS_EINVAL;
    char b64[MAC_CHARS + 4];
    notify_b64url(mac, MAC_BYTES, b64);
    (void)snprintf(out, NOTIFY_TOKEN_MAX, "%c%lld.%s", (char)purpose, (long long)id, b64);
    return URS_OK;
}

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Decode exactly MAC_CHARS base64url characters; the unused low bits must be zero. */
static bool decode_mac(const char *s, unsigned char mac[MAC_BYTES])
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < MAC_CHARS; i++) {
        int v = b64url_value(s[i]);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < MAC_BYTES)
                mac[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o == MAC_BYTES && acc == 0 && s[MAC_CHARS] == '\0';
}

/* "<digits>." with no sign, no leading zero, at most 18 digits. */
static bool parse_id(const char *s, int64_t *id, const char **end)
{
    int64_t v = 0;
    size_t n = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        if (n >= 18)
            return false;
        v = v * 10 + (s[n] - '0');
    }
    if (n == 0 || s[0] == '0' || s[n] != '.')
        return false;
    *id = v;
    *end = s + n + 1;
    return true;
}

int notify_token_verify(const char *key, size_t key_len, const char *token,
                        enum notify_purpose purpose, int64_t *id, struct err *e)
{
    unsigned char got[MAC_BYTES], want[MAC_BYTES];
    const char *mac_text;
    *id = 0;
    if (!key || key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL, "token: no usable HMAC key");
    if (!token || strlen(token) >= NOTIFY_TOKEN_MAX)
        return err_set(e, URS_EINVAL, "token: malformed");
    if (!valid_purpose((int)purpose) || token[0] != (char)purpose)
        return err_set(e, URS_EINVAL, "token: not a token for this action");
    int64_t parsed;
    if (!parse_id(token + 1, &parsed, &mac_text) || !decode_mac(mac_text, got))
        return err_set(e, URS_EINVAL, "token: malformed");
    if (compute(key, key_len, (char)purpose, parsed, 0, want, e) != URS_OK)
        return URS_EINVAL;
    int diff = CRYPTO_memcmp(got, want, MAC_BYTES);
    OPENSSL_cleanse(want, sizeof want);
    if (diff != 0)
        return err_set(e, URS_EINVAL, "token: signature does not match");
    *id = parsed;
    return URS_OK;
}

/* ---- timed tokens (sign-up confirmation) ---- */

int notify_token_make_timed(const char *key, size_t key_len, enum notify_purpose purpose,
                            int64_t id, int64_t issued, char out[NOTIFY_TOKEN_MAX], struct err *e)
{
    unsigned char mac[MAC_BYTES];
    out[0] = '\0';
    if (!key || key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL, "token: the HMAC key must be at least %d bytes",
                       NOTIFY_MIN_KEY);
    if (purpose != NOTIFY_TOKEN_CONFIRM || id <= 0 || issued <= 0 || issued > 99999999999LL)
        return err_set(e, URS_EINVAL, "token: bad purpose, id or time");
    if (compute(key, key_len, (char)purpose, id, issued, mac, e) != URS_OK)
        return URS_EINVAL;
    char b64[MAC_CHARS + 4];
    notify_b64url(mac, MAC_BYTES, b64);
    (void)snprintf(out, NOTIFY_TOKEN_MAX, "%c%lld.%lld.%s", (char)purpose, (long long)id,
                   (long long)issued, b64);
    return URS_OK;
}

int notify_token_verify_timed(const char *key, size_t key_len, const char *token,
                              enum notify_purpose purpose, int64_t now, int64_t ttl, int64_t *id,
                              int64_t *issued, struct err *e)
{
    unsigned char got[MAC_BYTES], want[MAC_BYTES];
    const char *rest, *mac_text;
    *id = 0;
    *issued = 0;
    if (!key || key_len < NOTIFY_MIN_KEY)
        return err_set(e, URS_EINVAL, "token: no usable HMAC key");
    if (!token || strlen(token) >= NOTIFY_TOKEN_MAX)
        return err_set(e, URS_EINVAL, "token: malformed");
    if (purpose != NOTIFY_TOKEN_CONFIRM || token[0] != (char)purpose)
        return err_set(e, URS_EINVAL, "token: not a token for this action");
    int64_t pid, pt;
    if (!parse_id(token + 1, &pid, &rest) || !parse_id(rest, &pt, &mac_text) ||
        !decode_mac(mac_text, got))
        return err_set(e, URS_EINVAL, "token: malformed");
    if (compute(key, key_len, (char)purpose, pid, pt, want, e) != URS_OK)
        return URS_EINVAL;
    int diff = CRYPTO_memcmp(got, want, MAC_BYTES);
    OPENSSL_cleanse(want, sizeof want);
    if (diff != 0)
        return err_set(e, URS_EINVAL, "token: signature does not match");
    if (pt > now + 60 || now - pt > ttl)
        return err_set(e, URS_ENOTFOUND, "token: expired (issued %lld s ago)",
                       (long long)(now - pt));
    *id = pid;
    *issued = pt;
    return URS_OK;
}
