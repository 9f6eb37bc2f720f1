/* SPDX-License-Identifier: MIT */
/* Background processes for the end-to-end tests. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

pid_t proc_spawn(const char *cwd, const char *log_path, char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int nul = open("/dev/null", O_RDONLY);
        if (log < 0 || nul < 0 || (cwd && chdir(cwd) != 0))
            _exit(126);
        dup2(nul, 0);
        dup2(log, 1);
        dup2(log, 2);
        setpgid(0, 0);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int proc_wait(pid_t pid, int ms)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0)
            return -2;
        sleep_ms(20);
    }
    return -1;
}

bool proc_alive(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0;
}

bool proc_until(bool (*fn)(void *ctx), void *ctx, int ms)
{
    for (int waited = 0; waited < ms; waited += 50) {
        if (fn(ctx))
            return true;
        sleep_ms(50);
    }
    return fn(ctx);
}

void proc_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    if (proc_wait(pid, 5000) == -1) {
        kill(pid, SIGKILL);
        (void)proc_wait(pid, 5000);
    }
}

pid_t site_start(const char *root, int *port)
{
    char *script = tu_path(tu_source_dir(), "scripts/site_server.py");
    char *port_file = tu_path(root, "port");
    char *log = tu_path(root, "server.log");
    char *argv[] = {"/usr/bin/python3", script, (char *)root, port_file, NULL};
    pid_t pid = proc_spawn(NULL, log, argv);
    char *text = NULL;
    for (int i = 0; i < 200 && !(text = tu_read_file(port_file, NULL)); i++)
        sleep_ms(25);
    assert_non_null(text);
    *port = (int)strtol(text, NULL, 10);
    assert_true(*port > 0);
    free(text);
    free(script);
    free(port_file);
    free(log);
    return pid;
}

void site_generate(const char *root, int port, const char *arg, ...)
{
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    char *script = tu_path(tu_source_dir(), "scripts/demo_site.py");
    char *argv[40] = {"/usr/bin/python3", script, (char *)root, base};
    size_t n = 4;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < 39; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    struct tu_run r;
    tu_run(&r, NULL, NULL, argv);
    if (r.status != 0)
        fail_msg("demo_site.py: %s", r.err);
    tu_run_free(&r);
    free(script);
}
