/* SPDX-License-Identifier: MIT */
/* The daemon's single-instance lock: flock on a separate lock file, never the database. */
#include "cli/lock.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/*
 * Why a separate file: SQLite holds POSIX locks on the database, and POSIX locks vanish when
 * any descriptor of the file is closed by the process; flock on its own file has no such trap,
 * and the kernel drops it when the holder dies (kill -9 included).
 */
int cli_lock_acquire(const char *path, int *fd_out, struct err *e)
{
    *fd_out = -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return err_set(e, URS_EIO, "%s: cannot open the lock file: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        if (saved != EWOULDBLOCK)
            return err_set(e, URS_EIO, "%s: cannot lock: %s", path, strerror(saved));
        long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
        if (pid > 0)
            return err_set(e, URS_EBUSY, "another urscout daemon (pid %ld) is running: %s is locked",
                           pid, path);
        return err_set(e, URS_EBUSY, "another urscout daemon is running: %s is locked", path);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        int saved = errno;
        close(fd);
        return err_set(e, URS_EIO, "%s: cannot write the pid: %s", path, strerror(saved));
    }
    *fd_out = fd;
    return URS_OK;
}

void cli_lock_release(int fd)
{
    if (fd >= 0) {
        /* an empty lock file says "nobody"; a stale pid is harmless (flock decides) */
        if (ftruncate(fd, 0) != 0)
            log_debug("lock file: cannot empty it");
        close(fd);
    }
}
