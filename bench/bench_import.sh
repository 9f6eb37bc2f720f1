#!/bin/sh
# SPDX-License-Identifier: MIT
# Import throughput: 100,000 synthetic labelled records ({id, url, title, company, text},
# ~1.5 KB of text each) through `urscout import`, classification included. Target: <= 16 s.
# Usage: bench/bench_import.sh [BUILD_DIR] [RECORDS]   (a Release build; default: build 100000)
set -eu
build=${1:-build}
records=${2:-100000}
cmake --build "$build" --target urscout >/dev/null
urscout="$build/urscout"
[ -x "$urscout" ] || urscout="$build/cli/urscout"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
python3 - "$records" "$tmp/records.jsonl" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
titles = ["Utilization Review Nurse", "Prior Authorization Specialist", "Physical Therapist",
          "Clinical Reviewer, Occupational Therapy", "Appeals and Denials RN",
          "Speech-Language Pathologist PRN", "Care Coordinator, Post-Acute", "Physician Advisor"]
parts = ["Review requests for medical necessity against evidence-based criteria.",
         "Active, unrestricted RN license in Texas or a compact license required.",
         "This is a remote position; work from home anywhere in the US.",
         "Full time, Monday to Friday, 8 hours a day with rotating weekends.",
         "Pay range: $38.00 - $45.00 per hour, depending on experience.",
         "Provide hands-on treatment to patients in our outpatient clinic.",
         "We offer medical, dental and vision coverage, 401(k) and paid time off.",
         "Collaborate with physicians and case managers on discharge planning.",
         "Two years of clinical experience in acute care or home health preferred."]
with open(out, "w") as f:
    for i in range(n):
        text = " ".join(rnd.choice(parts) for _ in range(12))
        f.write(json.dumps({"id": "r%06d" % i, "url": "https://jobs.example.org/%d" % i,
                            "title": rnd.choice(titles), "company": "Employer %d" % (i % 400),
                            "text": text}) + "\n")
PY
printf '[general]\ndatabase = %s/import.db\nbundled_sources = no\n' "$tmp" >"$tmp/urscout.ini"
start=$(date +%s.%N)
"$urscout" --config "$tmp/urscout.ini" import --source bench "$tmp/records.jsonl" >"$tmp/out.txt"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$records" 'BEGIN {
    t = e - s
    printf "import: %d labelled records, classified and stored, in %.1f s (%.0f records/s; target <= 16 s for 100,000: %s)\n", n, t, n / t, (n >= 100000 && t <= 16) ? "met" : (n < 100000 ? "n/a" : "MISSED")
}'
tail -1 "$tmp/out.txt"
