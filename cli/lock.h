/* SPDX-License-Identifier: MIT */
/* cli/ private: the daemon's single-instance lock file. */
#ifndef URSCOUT_CLI_LOCK_H
#define URSCOUT_CLI_LOCK_H

#include "common/err.h"

/*
 * Take an exclusive flock on path (created 0644), write our pid into it. Another holder gives
 * URS_EBUSY with its pid in the message. The lock lives until cli_lock_release or exit.
 */
URS_NODISCARD int cli_lock_acquire(const char *path, int *fd_out, struct err *e);
void cli_lock_release(int fd);

#endif
