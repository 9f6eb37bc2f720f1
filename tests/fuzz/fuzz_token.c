/* SPDX-License-Identifier: MIT */
/* Fuzz the unsubscribe token verifier: no input but a made token verifies, and a made
 * token verifies to its own id. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "fuzz.h"
#include "notifier/notifier.h"

#define KEY "fuzz-hmac-key-0123456789abcdef!!"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_level(LOG_LVL_ERROR);
    char *token = strndup((const char *)data, size);
    if (!token)
        abort();
    struct err e;
    for (int k = 0; k < 2; k++) {
        enum notify_purpose purpose = k ? NOTIFY_TOKEN_PREFERENCES : NOTIFY_TOKEN_UNSUBSCRIBE;
        int64_t id = -1;
        err_clear(&e);
        if (notify_token_verify(KEY, strlen(KEY), token, purpose, &id, &e) == URS_OK) {
            /* a forgery would have to hit the MAC; check it against a token made for id */
            char made[NOTIFY_TOKEN_MAX];
            err_clear(&e);
            if (notify_token_make(KEY, strlen(KEY), purpose, id, made, &e) != URS_OK)
                abort();
            if (strcmp(made, token) != 0)
                abort();
        }
    }
    /* the id part as a number: made tokens round-trip */
    uint64_t bits = 0;
    for (size_t i = 0; i < size && i < 7; i++)
        bits = bits * 256 + data[i];
    int64_t id = (int64_t)bits;
    if (id > 0) {
        char made[NOTIFY_TOKEN_MAX];
        int64_t back = -1;
        err_clear(&e);
        if (notify_token_make(KEY, strlen(KEY), NOTIFY_TOKEN_UNSUBSCRIBE, id, made, &e) == URS_OK) {
            err_clear(&e);
            if (notify_token_verify(KEY, strlen(KEY), made, NOTIFY_TOKEN_UNSUBSCRIBE, &back, &e) !=
                    URS_OK ||
                back != id)
                abort();
        }
    }
    free(token);
    return 0;
}
