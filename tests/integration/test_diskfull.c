/* SPDX-License-Identifier: MIT */
/*
 * Disk full (RELIABILITY D4): the database, then the Maildir, on a small tmpfs that fills up.
 * urscout must name the file and the cause, leave the database consistent with nothing stored
 * lost, keep undelivered mail queued, and carry on once space returns.
 *
 * The tmpfs is mounted in a private mount namespace of this test (it vanishes with the
 * process): as root directly, otherwise inside a user namespace. Where neither is allowed the
 * test says so and is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault_util.h"
#include "httpd.h"
#include "testutil.h"

#define FS_SIZE  "24m"
#define JSON_CT  "Content-Type: application/json\r\n"
#define HMAC_KEY "test-hmac-key-0123456789abcdef!!"

static char mount_failure[256];

static bool write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return false;
    bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok;
}

/* Our own mount namespace (as root, or as root of a new user namespace), mounts private. */
static bool private_mounts(void)
{
    if (unshare(CLONE_NEWNS) != 0) {
        uid_t uid = getuid();
        gid_t gid = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            snprintf(mount_failure, sizeof mount_failure,
                     "no mount namespace (not root, no user namespaces): %s", strerror(errno));
            return false;
        }
        char map[64];
        (void)write_text("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %ld 1", (long)uid);
        bool ok = write_text("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %ld 1", (long)gid);
        ok = ok && write_text("/proc/self/gid_map", map);
        if (!ok) {
            snprintf(mount_failure, sizeof mount_failure, "cannot map ids in a user namespace");
            return false;
        }
    }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        snprintf(mount_failure, sizeof mount_failure, "cannot make mounts private: %s",
                 strerror(errno));
        return false;
    }
    return true;
}

static int group_setup(void **state)
{
    (void)state;
    (void)private_mounts();
    return 0;
}

struct fs {
    char *dir;    /* test folder (on the normal disk) */
    char *mnt;    /* the tmpfs */
    char *filler; /* a file on it that eats the space */
};

static void fs_open(struct fs *f)
{
    if (mount_failure[0]) {
        print_message("disk full: %s; skipped\n", mount_failure);
        skip();
    }
    f->dir = tu_mkdtemp();
    f->mnt = tu_path(f->dir, "fs");
    f->filler = tu_path(f->mnt, "filler");
    assert_int_equal(mkdir(f->mnt, 0755), 0);
    if (mount("tmpfs", f->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=" FS_SIZE ",mode=0755") != 0)
        fail_msg("mount tmpfs on %s: %s", f->mnt, strerror(errno));
}

static void fs_close(struct fs *f)
{
    (void)umount2(f->mnt, MNT_DETACH);
    tu_rmtree(f->dir);
    free(f->filler);
    free(f->mnt);
    free(f->dir);
}

/* Fill the tmpfs, leaving about `left` bytes free; returns the bytes written. */
static size_t fs_fill(struct fs *f, size_t left)
{
    int fd = open(f->filler, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    static char block[4096];
    size_t total = 0;
    for (;;) {
        ssize_t w = write(fd, block, sizeof block);
        if (w <= 0)
            break;
        total += (size_t)w;
    }
    assert_int_equal(errno, ENOSPC);
    total = total > left ? total - left : 0;
    assert_int_equal(ftruncate(fd, (off_t)total), 0);
    close(fd);
    return total;
}

static void fs_free(struct fs *f)
{
    assert_int_equal(unlink(f->filler), 0);
}

static void urscout_expect(const char *dir, const char *cfg, int status, const char *a1,
                           const char *a2, const char *a3, struct tu_run *r)
{
    tu_urscout(r, dir, "--config", cfg, a1, a2, a3, NULL);
    if (r->status != status)
        fail_msg("urscout %s %s: status %d (want %d)\n%s%s", a1, a2 ? a2 : "", r->status, status,
                 r->out, r->err);
}

/* A Lever page: ids f-from .. f-(from+n-1), descriptions of about 1.5 KB each. */
static char *fat_page(size_t from, size_t n)
{
    size_t cap = n * 2048 + 64, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len, "[");
    for (size_t i = from; i < from + n; i++) {
        len += (size_t)snprintf(s + len, cap - len,
                                "%s{\"id\": \"f-%zu\", \"text\": \"Utilization Review Nurse %zu\", "
                                "\"hostedUrl\": \"https://jobs.example/f/%zu\", "
                                "\"categories\": {\"location\": \"Remote\"}, \"description\": \"",
                                i > from ? ", " : "", i, i, i);
        for (int k = 0; k < 24; k++)
            len += (size_t)snprintf(s + len, cap - len,
                                    "Review %zu.%d inpatient stays against criteria. ", i, k);
        len += (size_t)snprintf(s + len, cap - len, "\"}");
    }
    snprintf(s + len, cap - len, "]");
    return s;
}

/* The listing of n fat postings, 100 a page. */
static void fat_pages(struct httpd *s, size_t n)
{
    for (size_t skip = 0; skip <= n; skip += 100) {
        char *body = fat_page(skip, n - skip < 100 ? n - skip : 100);
        char path[96];
        snprintf(path, sizeof path, "/v0/postings/f?mode=json&skip=%zu&limit=100", skip);
        struct httpd_resp r = {.headers = JSON_CT, .body = body, .body_len = (size_t)-1};
        httpd_route(s, path, &r, 1);
        free(body);
    }
}

static void test_database_disk_full(void **state)
{
    (void)state;
    struct fs f;
    fs_open(&f);
    struct httpd *s = httpd_start();
    char *db = tu_path(f.mnt, "u.db"), *cfg = tu_path(f.dir, "urscout.ini");
    char text[1024];
    snprintf(text, sizeof text,
             "[general]\ndatabase = %s\nbundled_sources = no\n"
             "[crawl]\nhost_delay = 0s\nrobots = no\nallow_hosts = 127.0.0.1\n"
             "[source \"f\"]\nkind = lever\nurl = %s\nboard = f\n",
             db, httpd_base(s));
    tu_write_file(cfg, text, (size_t)-1);
    struct tu_run r;
    fat_pages(s, 50);
    urscout_expect(f.dir, cfg, 0, "crawl", NULL, NULL, &r);
    tu_run_free(&r);
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM postings"), 50);

    /* the disk fills up: 1,500 fat postings cannot fit in what is left */
    size_t eaten = fs_fill(&f, 64 * 1024);
    fat_pages(s, 1500);
    urscout_expect(f.dir, cfg, 1, "crawl", NULL, NULL, &r);
    print_message("disk full (database, %zu KiB filler): %s", eaten / 1024, r.out);
    assert_non_null(strstr(r.out, "source=f FAIL (store)"));
    if (!strstr(r.out, db) && !strstr(r.err, db))
        fail_msg("the database file is not named:\n%s%s", r.out, r.err);
    if (!strstr(r.out, "disk full") && !strstr(r.err, "disk full"))
        fail_msg("the cause is not named:\n%s%s", r.out, r.err);
    tu_run_free(&r);
    /* nothing corrupted, nothing stored lost, nothing closed */
    urscout_expect(f.dir, cfg, 0, "db", "check", NULL, &r);
    tu_run_free(&r);
    assert_true(fu_sql_int(db, "SELECT count(*) FROM postings") >= 50);
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM postings WHERE closed_at IS NOT NULL"), 0);

    /* space returns: the next crawl stores everything */
    fs_free(&f);
    urscout_expect(f.dir, cfg, 0, "crawl", NULL, NULL, &r);
    tu_run_free(&r);
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM postings WHERE closed_at IS NULL"), 1500);
    urscout_expect(f.dir, cfg, 0, "db", "check", NULL, &r);
    tu_run_free(&r);

    httpd_stop(s);
    free(db);
    free(cfg);
    fs_close(&f);
}

static void test_maildir_disk_full(void **state)
{
    (void)state;
    struct fs f;
    fs_open(&f);
    assert_int_equal(setenv("URSCOUT_HMAC_KEY", HMAC_KEY, 1), 0);
    char *db = tu_path(f.dir, "u.db"), *cfg = tu_path(f.dir, "urscout.ini");
    char *mail = tu_path(f.mnt, "mail"), *fixture = tu_path(f.dir, "p.jsonl");
    char text[1024];
    snprintf(text, sizeof text,
             "[general]\ndatabase = %s\nbundled_sources = no\n"
             "[delivery]\nfrom = digest@urscout.example.org\n"
             "postal_address = urscout Inc, 100 Main St, Springfield, IL\nmaildir = %s\n"
             "[web]\nbase_url = https://jobs.example.org\n",
             db, mail);
    tu_write_file(cfg, text, (size_t)-1);
    FILE *out = fopen(fixture, "w");
    for (int i = 0; i < 10; i++)
        fprintf(out,
                "{\"external_id\":\"m%d\",\"title\":\"Utilization Review Physical Therapist %d\","
                "\"employer\":\"Bluestem\",\"url\":\"https://jobs.example/m/%d\","
                "\"disciplines\":[\"PT\"],\"work_mode\":\"remote\",\"ur_role\":true}\n",
                i, i, i);
    fclose(out);
    struct tu_run r;
    urscout_expect(f.dir, cfg, 0, "import", fixture, NULL, &r);
    tu_run_free(&r);
    for (int i = 0; i < 40; i++) {
        char email[64];
        snprintf(email, sizeof email, "s%d@example.org", i);
        urscout_expect(f.dir, cfg, 0, "subscriber", "add", email, &r);
        tu_run_free(&r);
    }
    fu_sql_exec(db, "UPDATE subscribers SET disciplines = 1, next_due_at = 0");

    /* room for a few messages only */
    size_t eaten = fs_fill(&f, 48 * 1024);
    urscout_expect(f.dir, cfg, 1, "digest", "send", "--due", &r);
    print_message("disk full (Maildir, %zu KiB filler): %s%s", eaten / 1024, r.out, r.err);
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_non_null(strstr(r.err, mail));
    tu_run_free(&r);
    long long sent = fu_sql_int(db, "SELECT count(*) FROM outbox WHERE status = 'sent'");
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM outbox"), 40);
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM outbox WHERE status = 'failed'"), 0);
    assert_true(sent < 40);
    char *new_dir = tu_path(mail, "new");
    struct tu_run ls;
    char *argv[] = {"/bin/sh", "-c", "ls | wc -l", NULL};
    tu_run(&ls, new_dir, NULL, argv);
    assert_int_equal(strtol(ls.out, NULL, 10), sent); /* only complete messages in new/ */
    tu_run_free(&ls);
    char *tmp_dir = tu_path(mail, "tmp");
    tu_run(&ls, tmp_dir, NULL, argv);
    assert_int_equal(strtol(ls.out, NULL, 10), 0); /* the cut one is not left taking space */
    tu_run_free(&ls);
    free(tmp_dir);

    /* space returns: the queued rest goes out, once each */
    fs_free(&f);
    fu_sql_exec(db, "UPDATE outbox SET next_attempt_at = 0 WHERE status = 'queued'");
    urscout_expect(f.dir, cfg, 0, "outbox", "flush", NULL, &r);
    tu_run_free(&r);
    assert_int_equal(fu_sql_int(db, "SELECT count(*) FROM outbox WHERE status = 'sent'"), 40);
    tu_run(&ls, new_dir, NULL, argv);
    assert_int_equal(strtol(ls.out, NULL, 10), 40);
    tu_run_free(&ls);
    print_message("disk full (Maildir): %lld of 40 delivered while full, 40 once space "
                  "returned\n",
                  sent);

    free(new_dir);
    free(db);
    free(cfg);
    free(mail);
    free(fixture);
    fs_close(&f);
    unsetenv("URSCOUT_HMAC_KEY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_database_disk_full),
        cmocka_unit_test(test_maildir_disk_full),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
