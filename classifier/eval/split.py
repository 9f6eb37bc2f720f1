#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Make train.jsonl and test.jsonl from set-*.jsonl (see README.md); --check verifies them."""
import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_PERCENT = 30


def in_test(record_id):
    return int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 100 < TEST_PERCENT


def load_sets():
    records, seen = [], {}
    for path in sorted(glob.glob(os.path.join(HERE, "set-*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    sys.exit(f"{path}:{n}: {exc}")
                rid = rec.get("id")
                if not isinstance(rid, str) or not rid:
                    sys.exit(f"{path}:{n}: record without an id")
                if rid in seen:
                    sys.exit(f"{path}:{n}: id {rid} also at {seen[rid]}")
                seen[rid] = f"{path}:{n}"
                records.append((rid, line.rstrip("\n")))
    records.sort()
    return records


def parts(records):
    train = [line for rid, line in records if not in_test(rid)]
    test = [line for rid, line in records if in_test(rid)]
    return train, test


def main():
    check = "--check" in sys.argv[1:]
    train, test = parts(load_sets())
    for name, lines in (("train.jsonl", train), ("test.jsonl", test)):
        path = os.path.join(HERE, name)
        want = "".join(line + "\n" for line in lines)
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != want:
                    sys.exit(f"{path}: out of date: run classifier/eval/split.py")
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(want)
    print(f"train {len(train)}, test {len(test)}")


if __name__ == "__main__":
    main()
