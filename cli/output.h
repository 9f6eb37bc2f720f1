/* SPDX-License-Identifier: MIT */
/* cli/ private: writing postings to the terminal or a pipe as table, JSON Lines, JSON or CSV. */
#ifndef URSCOUT_CLI_OUTPUT_H
#define URSCOUT_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/posting.h"

enum cli_format { CLI_FORMAT_TABLE = 0, CLI_FORMAT_JSON, CLI_FORMAT_JSONL, CLI_FORMAT_CSV };

/* Parse "table", "json", "jsonl", "csv" (only those set in allowed, a bit set); -1 if not. */
int cli_format_parse(const char *s, unsigned allowed);

struct cli_writer {
    FILE *out;
    enum cli_format format;
    size_t width; /* table: terminal columns */
    size_t rows;
    bool failed;
};

/* Start output (CSV header, JSON "["). */
void cli_writer_begin(struct cli_writer *w, FILE *out, enum cli_format format);
/* One posting. */
void cli_writer_posting(struct cli_writer *w, const struct posting *p);
/* Finish (JSON "]"); returns false when writing failed. */
bool cli_writer_end(struct cli_writer *w);

/* Write s with control characters (C0, DEL, C1) removed: safe for a terminal. */
void cli_put_safe(FILE *out, const char *s);

/* "PT, OT" style list of the set bits, into buf. */
void cli_bits_text(uint64_t bits, int count, const char *(*name)(int), char *buf, size_t size);
const char *cli_disc_at(int i);
const char *cli_sched_at(int i);
/* "$27–36/hour" or "" into buf. */
void cli_salary_text(const struct salary *s, char *buf, size_t size);

#endif
