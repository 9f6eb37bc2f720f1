/* SPDX-License-Identifier: MIT */
/* The common module's public interface: include this, or the single header you need. */
#ifndef URSCOUT_COMMON_COMMON_H
#define URSCOUT_COMMON_COMMON_H

#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/posting.h"
#include "common/sbuf.h"
#include "common/text.h"
#include "common/utf8.h"

#endif
