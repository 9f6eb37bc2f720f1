/* SPDX-License-Identifier: MIT */
/* libFuzzer entry points shared by the harnesses and the replay driver. */
#ifndef URSCOUT_TESTS_FUZZ_H
#define URSCOUT_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/posting.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A posting handler that checks the cleaning contract and keeps nothing. */
int fuzz_check_posting(void *ctx, const char *source, struct posting *p);

#endif
