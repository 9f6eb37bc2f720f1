#!/usr/bin/env python3
"""Train urscout's logistic-regression models (ur_role, is_posting) from a labelled set.

Reads classifier/eval/train.jsonl (never test.jsonl), writes classifier/model/lr.tsv, which
CMake embeds in the binary. Python 3 standard library only; deterministic (no randomness:
records in file order, full-batch gradient descent from zero weights).

  train_lr.py [--train FILE] [--out FILE]        train both models, write the weights
  train_lr.py --score MODEL FILE.jsonl           print id, P(ur_role), P(is_posting) per record
  train_lr.py --cv K --urscout BIN [--train F]   K-fold cross-validation on the train part:
                                                 rules, model and combined, scored by urscout eval

Features (the C side, classifier/lr.c, computes the same): the title and the text are cut at
65,536 bytes, ASCII letters lower-cased, and split into tokens: runs of [a-z0-9] of at most 32
bytes (longer runs are dropped, and break bigrams). Features are "t:TOKEN" and "t:TOKEN TOKEN"
from the title, "w:TOKEN" and "w:TOKEN TOKEN" from the text, each counted once (present or not);
of a model's features the K found in a posting each have the value 1/sqrt(K), so a short excerpt
and a long page with the same words score alike.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

MAX_TEXT = 64 * 1024
MAX_TOKEN = 32
MAX_FEATURES = 4000
MIN_DF = 3
L2 = 0.0001          # per record: the penalty is L2/2 * |w|^2 times the number of records
ITERATIONS = 400
STEP = 16.0
MODELS = ("ur_role", "is_posting")


def tokens(raw):
    """Tokens of a byte string; None marks a dropped (too long) run that breaks bigrams."""
    out, cur = [], bytearray()
    for b in raw[:MAX_TEXT] + b" ":
        if 65 <= b <= 90:
            b += 32
        if 97 <= b <= 122 or 48 <= b <= 57:
            cur.append(b)
            continue
        if cur:
            out.append(cur.decode("ascii") if len(cur) <= MAX_TOKEN else None)
            cur = bytearray()
    return out


def zone_features(prefix, raw, into):
    prev = None
    for t in tokens(raw):
        if t is None:
            prev = None
            continue
        into.add(prefix + t)
        if prev is not None:
            into.add(prefix + prev + " " + t)
        prev = t


def features(title, text):
    f = set()
    zone_features("t:", (title or "").encode("utf-8"), f)
    zone_features("w:", (text or "").encode("utf-8"), f)
    return f


def load(path):
    recs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                lab = r["labels"]
                recs.append((r["id"], features(r.get("title"), r.get("text")),
                             {"ur_role": bool(lab["ur_role"]),
                              "is_posting": bool(lab["is_posting"])}))
            except (ValueError, KeyError, TypeError) as exc:
                sys.exit("%s:%d: bad record: %s" % (path, n, exc))
    return recs


def vocabulary(recs, label):
    """Up to MAX_FEATURES features seen in MIN_DF records, those whose rate differs most
    between the two classes first (ties by name, so the choice is deterministic)."""
    pos = sum(1 for r in recs if r[2][label]) or 1
    neg = (len(recs) - pos) or 1
    df_pos, df_neg = {}, {}
    for _, f, lab in recs:
        d = df_pos if lab[label] else df_neg
        for x in f:
            d[x] = d.get(x, 0) + 1
    cand = []
    for x in set(df_pos) | set(df_neg):
        a, b = df_pos.get(x, 0), df_neg.get(x, 0)
        if a + b < MIN_DF:
            continue
        cand.append((-abs(a / pos - b / neg), x))
    cand.sort()
    return sorted(x for _, x in cand[:MAX_FEATURES])


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def train_one(recs, label):
    vocab = vocabulary(recs, label)
    index = {x: i for i, x in enumerate(vocab)}
    rows = []
    for _, f, lab in recs:
        idx = [index[x] for x in sorted(f) if x in index]
        rows.append((idx, 1.0 / math.sqrt(len(idx)) if idx else 0.0,
                     1.0 if lab[label] else 0.0))
    n, dim = len(rows), len(vocab)
    w, bias = [0.0] * dim, 0.0
    vw, vb = [0.0] * dim, 0.0  # Nesterov momentum
    mom = 0.9
    for _ in range(ITERATIONS):
        lw = [w[i] + mom * vw[i] for i in range(dim)]
        lb = bias + mom * vb
        g, gb = [L2 * x for x in lw], 0.0
        for idx, v, y in rows:
            r = (sigmoid(lb + v * sum(lw[i] for i in idx)) - y) / n
            gb += r
            r *= v
            for i in idx:
                g[i] += r
        vw = [mom * vw[i] - STEP * g[i] for i in range(dim)]
        vb = mom * vb - STEP * gb
        w = [w[i] + vw[i] for i in range(dim)]
        bias += vb
    return bias, [(vocab[i], w[i]) for i in range(dim)]


def write_model(path, models, source):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write("# urscout logistic regression, made by classifier/train/train_lr.py from %s\n"
                  % source)
        out.write("# model NAME COUNT, then bias WEIGHT, then COUNT lines FEATURE<TAB>WEIGHT\n")
        for name in MODELS:
            bias, feats = models[name]
            out.write("model\t%s\t%d\n" % (name, len(feats)))
            out.write("bias\t%.9g\n" % bias)
            for x, wt in feats:
                out.write("%s\t%.9g\n" % (x, wt))
    os.replace(tmp, path)


def read_model(path):
    models, cur = {}, None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            k, v = line.rstrip("\n").split("\t")[:2]
            if k == "model":
                cur = models.setdefault(v, {"bias": 0.0, "w": {}})
            elif k == "bias":
                cur["bias"] = float(v)
            else:
                cur["w"][k] = float(v)
    return models


def score(model, f):
    found = [model["w"][x] for x in sorted(f) if x in model["w"]]
    v = 1.0 / math.sqrt(len(found)) if found else 0.0
    return sigmoid(model["bias"] + v * sum(found))


def cmd_score(model_path, data_path):
    models = read_model(model_path)
    with open(data_path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            f = features(r.get("title"), r.get("text"))
            print("%s\t%.12f\t%.12f" % (r["id"], score(models["ur_role"], f),
                                         score(models["is_posting"], f)))


def headline(text):
    keep = ("ur_role F1", "ur_role precision", "non-postings recognised")
    out = {}
    for line in text.splitlines():
        for k in keep:
            if line.startswith(k):
                out[k] = float(line[24:].split()[0])
    return out


def cmd_cv(k, urscout, train_path):
    with open(train_path, encoding="utf-8") as fh:
        lines = [l for l in fh if l.strip()]
    modes = ("off", "model", "combine")
    tot = {m: {"ur": [0, 0, 0], "np": [0, 0]} for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for fold in range(k):
            tr = [l for i, l in enumerate(lines) if i % k != fold]
            te = [l for i, l in enumerate(lines) if i % k == fold]
            trp, tep, mp = (os.path.join(tmp, n) for n in ("tr.jsonl", "te.jsonl", "lr.tsv"))
            with open(trp, "w", encoding="utf-8") as o:
                o.writelines(tr)
            with open(tep, "w", encoding="utf-8") as o:
                o.writelines(te)
            recs = load(trp)
            write_model(mp, {m: train_one(recs, m) for m in MODELS}, "fold %d" % fold)
            for m in modes:
                out = subprocess.run([urscout, "eval", "--lr", m, "--model", mp, "--counts", tep],
                                     check=False, capture_output=True, text=True).stdout
                for line in out.splitlines():
                    p = line.split()
                    if p[:1] == ["counts"]:
                        c = tot[m]
                        c["ur"] = [a + int(b) for a, b in zip(c["ur"], p[1:4])]
                        c["np"] = [a + int(b) for a, b in zip(c["np"], p[4:6])]
    for m in modes:
        tp, fp, fn = tot[m]["ur"]
        rec, allnp = tot[m]["np"]
        print("%-8s ur_role F1 %.3f precision %.3f  non-postings recognised %.3f" % (
            m, 2 * tp / max(1, 2 * tp + fp + fn), tp / max(1, tp + fp), rec / max(1, allnp)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=os.path.join(root, "classifier/eval/train.jsonl"))
    ap.add_argument("--out", default=os.path.join(root, "classifier/model/lr.tsv"))
    ap.add_argument("--score", nargs=2, metavar=("MODEL", "FILE"))
    ap.add_argument("--cv", type=int)
    ap.add_argument("--urscout")
    a = ap.parse_args()
    if os.path.basename(a.train) == "test.jsonl":
        sys.exit("train_lr.py: never train on the test part")
    if a.score:
        return cmd_score(*a.score)
    if a.cv:
        if not a.urscout:
            sys.exit("train_lr.py: --cv needs --urscout BIN")
        return cmd_cv(a.cv, a.urscout, a.train)
    recs = load(a.train)
    write_model(a.out, {m: train_one(recs, m) for m in MODELS},
                os.path.relpath(a.train, root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
