/* SPDX-License-Identifier: MIT */
/* The Maildir transport: write to tmp/, fsync, link into new/, fsync the folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notifier/notifier_int.h"

#define TMP_MAX_AGE (36 * 3600) /* the Maildir rule for leftovers in tmp/ */

static int make_dir(const char *path, struct err *e)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return URS_OK;
        return err_set(e, URS_EIO, "maildir: %s exists and is not a folder", path);
    }
    return err_set(e, URS_EIO, "maildir: cannot create %s: %s", path, strerror(errno));
}

static int make_maildir(const char *dir, struct err *e)
{
    char path[4096];
    static const char *const subs[] = {"tmp", "new", "cur"};
    int rc = make_dir(dir, e);
    for (size_t i = 0; i < 3 && rc == URS_OK; i++) {
        (void)snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
        rc = make_dir(path, e);
    }
    return rc;
}

/* Host name for file names, with '/' and ':' written as \057 and \072 (the Maildir rule). */
static void host_part(char *out, size_t size)
{
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0)
        (void)snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    size_t o = 0;
    for (const char *p = host; *p && o + 5 < size; p++) {
        if (*p == '/' || *p == ':') {
            o += (size_t)snprintf(out + o, size - o, "\\%03o", (unsigned char)*p);
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

/* A name fixed by the outbox row: the same message always gets the same name. */
static void file_name(const struct db_outbox_row *r, char *out, size_t size)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = r->message_id ? r->message_id : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    char host[300];
    host_part(host, sizeof host);
    (void)snprintf(out, size, "%lld.R%lldQ%016llx.%s", (long long)r->created_at, (long long)r->id,
                   (unsigned long long)h, host);
}

/* Write the message with LF line ends (the Maildir convention), then fsync. */
static int write_all(int fd, const char *msg, size_t len, const char *path, struct err *e)
{
    char buf[16384];
    size_t n = 0;
    for (size_t i = 0; i <= len; i++) {
        bool flush = i == len || n == sizeof buf;
        if (flush && n > 0) {
            for (size_t off = 0; off < n;) {
                ssize_t w = write(fd, buf + off, n - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    return err_set(e, URS_EIO, "maildir: write %s: %s", path, strerror(errno));
                off += (size_t)w;
            }
            n = 0;
        }
        if (i == len)
            break;
        if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
            continue;
        buf[n++] = msg[i];
    }
    if (fsync(fd) != 0)
        return err_set(e, URS_EIO, "maildir: fsync %s: %s", path, strerror(errno));
    return URS_OK;
}

static int sync_dir(const char *path, struct err *e)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int rc = err_set(e, URS_EIO, "maildir: fsync %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    close(fd);
    return URS_OK;
}

/* Move tmp to final without replacing anything; *already when final exists. */
static int publish(const char *tmp, const char *final, bool *already, struct err *e)
{
    if (link(tmp, final) == 0)
        return URS_OK;
    if (errno == EEXIST) {
        *already = true;
        return URS_OK;
    }
    if (errno == EPERM || errno == ENOTSUP || errno == EXDEV) { /* no hard links here */
        struct stat st;
        if (stat(final, &st) == 0) {
            *already = true;
            return URS_OK;
        }
        if (rename(tmp, final) == 0)
            return URS_OK;
    }
    return err_set(e, URS_EIO, "maildir: cannot move the message into %s: %s", final,
                   strerror(errno));
}

int notify_maildir_deliver(const char *dir, const struct db_outbox_row *r, bool *already,
                           struct err *e)
{
    char name[512], tmp[4096], final[4096], newdir[4096];
    *already = false;
    int rc = make_maildir(dir, e);
    if (rc != URS_OK)
        return rc;
    file_name(r, name, sizeof name);
    (void)snprintf(tmp, sizeof tmp, "%s/tmp/%s.%ld", dir, name, (long)getpid());
    (void)snprintf(final, sizeof final, "%s/new/%s", dir, name);
    (void)snprintf(newdir, sizeof newdir, "%s/new", dir);
    (void)unlink(tmp); /* a leftover of this process id from a crash */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, URS_EIO, "maildir: cannot create %s: %s", tmp, strerror(errno));
    rc = write_all(fd, r->message, r->message_len, tmp, e);
    if (close(fd) != 0 && rc == URS_OK)
        rc = err_set(e, URS_EIO, "maildir: close %s: %s", tmp, strerror(errno));
    if (rc == URS_OK)
        rc = publish(tmp, final, already, e);
    (void)unlink(tmp);
    if (rc == URS_OK && !*already)
        rc = sync_dir(newdir, e);
    return rc;
}

void notify_maildir_clean(const char *dir, int64_t now)
{
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/tmp", dir);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char file[4096 + 256];
        struct stat st;
        (void)snprintf(file, sizeof file, "%s/%s", path, ent->d_name);
        if (lstat(file, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > TMP_MAX_AGE)
            (void)unlink(file);
    }
    closedir(d);
}
