/* SPDX-License-Identifier: MIT */
/* Secrets: read from owner-only files or the environment, wiped when freed, never printed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/limits.h"
#include "config/config_int.h"

/* Read up to max + 1 bytes from fd into buf; the count, or -1 with errno. */
static ssize_t read_all(int fd, char *buf, size_t max)
{
    size_t n = 0;
    while (n <= max) {
        ssize_t got = read(fd, buf + n, max + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    return (ssize_t)n;
}

/* Refuse what is not an owner-only regular file of a sane size. */
static int check_file(int fd, const char *path, struct err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return err_set(e, URS_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(e, URS_EINVAL, "%s: not a regular file", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return err_set(e, URS_EINVAL,
                       "%s: group/other may access it (mode %04o); run: chmod 600 %s", path,
                       (unsigned)(st.st_mode & 07777), path);
    if (st.st_size > URS_MAX_SECRET)
        return err_set(e, URS_ELIMIT, "%s: larger than %d bytes", path, URS_MAX_SECRET);
    return URS_OK;
}

int config_read_secret(const char *path, char **out, size_t *out_len, struct err *e)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return err_set(e, URS_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc = check_file(fd, path, e);
    char *buf = rc == URS_OK ? malloc(URS_MAX_SECRET + 2) : NULL;
    if (!buf) {
        (void)close(fd);
        return rc != URS_OK ? rc : err_set(e, URS_ENOMEM, "%s: out of memory", path);
    }
    ssize_t got = read_all(fd, buf, URS_MAX_SECRET);
    if (got < 0)
        rc = err_set(e, URS_EIO, "%s: cannot read: %s", path, strerror(errno));
    else if (got > URS_MAX_SECRET)
        rc = err_set(e, URS_ELIMIT, "%s: larger than %d bytes", path, URS_MAX_SECRET);
    (void)close(fd);
    size_t n = got > 0 ? (size_t)got : 0;
    if (n && buf[n - 1] == '\n')
        n--;
    if (n && buf[n - 1] == '\r')
        n--;
    if (rc == URS_OK && n == 0)
        rc = err_set(e, URS_EINVAL, "%s: empty", path);
    if (rc != URS_OK) {
        config_secret_free(buf, URS_MAX_SECRET + 2);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (out_len)
        *out_len = n;
    return URS_OK;
}

int config_secret_load(const char *path, const char *env, char **out, size_t *out_len,
                       enum config_secret_origin *origin, struct err *e)
{
    size_t n = 0;
    *out = NULL;
    *origin = CONFIG_SECRET_NONE;
    if (out_len)
        *out_len = 0;
    if (path) {
        int rc = config_read_secret(path, out, &n, e);
        if (rc != URS_OK)
            return rc;
        *origin = CONFIG_SECRET_FILE;
    } else {
        const char *value = getenv(env);
        if (!value || !*value)
            return URS_OK;
        n = strlen(value);
        if (n > URS_MAX_SECRET)
            return err_set(e, URS_ELIMIT, "%s: longer than %d bytes", env, URS_MAX_SECRET);
        if (!(*out = strdup(value)))
            return err_set(e, URS_ENOMEM, "%s: out of memory", env);
        *origin = CONFIG_SECRET_ENV;
    }
    if (out_len)
        *out_len = n;
    return URS_OK;
}

void config_secret_free(char *secret, size_t len)
{
    if (!secret)
        return;
    explicit_bzero(secret, len ? len : strlen(secret));
    free(secret);
}
