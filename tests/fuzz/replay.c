/* SPDX-License-Identifier: MIT */
/* Replays a harness over its corpus, its past crashers and the source payloads of tests/fixtures/formats, so
 * every build runs them under the sanitizers (RELIABILITY P6) without libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static size_t replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len < cap)
            continue;
        unsigned char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!buf)
        return 0;
    (void)LLVMFuzzerTestOneInput(buf, len);
    /* every prefix length class too: cut inputs are the common real-world failure */
    for (size_t cut = len / 2; cut > 0; cut /= 3)
        (void)LLVMFuzzerTestOneInput(buf, cut);
    free(buf);
    return 1;
}

static size_t replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *ent; d && (ent = readdir(d));) {
        if (ent->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        n += replay_file(path);
    }
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    const char *src = getenv("URS_SOURCE_DIR");
    char dir[4096];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src ? src : ".", URS_FUZZ_NAME);
    n += replay_dir(dir);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", src ? src : ".", URS_FUZZ_NAME);
    n += replay_dir(dir);
    snprintf(dir, sizeof dir, "%s/tests/fixtures/formats", src ? src : ".");
    n += replay_dir(dir);
    printf("%s: %zu inputs replayed\n", URS_FUZZ_NAME, n);
    return n > 0 ? 0 : 1;
}
