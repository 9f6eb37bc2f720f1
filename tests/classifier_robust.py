#!/usr/bin/env python3
"""Tags that hold when a page is written the way crawled pages are.

Usage: classifier_robust.py URSCOUT SET.jsonl [MODE...]

Each MODE rewrites every record of SET (a labelled set: the train part) in a way that does
not change what the page says, so its labels stay right:

  pipes    line breaks written as " | ", the way many sites and text extractors join fields
  chrome   site chrome around the text: a careers-site header and footer on postings, a blog's
           on other pages (navigation, cookie banner, share buttons, copyright)
  similar  a "Similar Jobs" list of other jobs' titles after a posting
  moji     punctuation and accented letters as mojibake (UTF-8 read as Windows-1252), in
           records that have none yet
  benefits a benefits paragraph after a posting that names full-time, part-time and PRN
           staff (who gets which benefit is not the job's schedule)
  about    an "About us" section on postings that are not UR roles, from a company whose
           business is utilization management (a UM firm's IT or sales posting, a health
           plan's clinic posting): before the text in one record, after it in the next

`urscout eval` scores the set as it is and rewritten; the test fails when a record that was
tagged right is tagged wrong once rewritten, and names the mode, record, tag and what it got.
"""
import json
import os
import subprocess
import sys
import tempfile

POSTING_HEAD = ("Skip to main content\nCareers Home | Search Jobs | Saved Jobs (0) | Sign In | "
                "English\nWe use cookies to improve your visit. Accept all | Cookie settings\n"
                "Back to search results\nApply now | Save | Share\n")
POSTING_FOOT = ("\nApply now\nShare this job: Email | LinkedIn | Facebook | Copy link\n"
                "We are an equal opportunity employer and consider every qualified applicant "
                "regardless of race, religion, sex, national origin, disability or veteran "
                "status.\nPrivacy | Terms of use | Accessibility | Site map\n\u00a9 2026 All "
                "rights reserved.")
PAGE_HEAD = ("Skip to content\nMenu | Home | About | Resources | Blog | Contact | Search\n"
             "We use cookies to improve your visit. Accept all | Cookie settings\n"
             "Home > Resources > Careers\n")
PAGE_FOOT = ("\nShare this article: Facebook | LinkedIn | Email\nSubscribe to our newsletter\n"
             "Privacy | Terms of use | Site map\n\u00a9 2026 All rights reserved.")
SIMILAR = ("\nSimilar Jobs\nUtilization Review Nurse - Remote\nPrior Authorization Specialist\n"
           "Physical Therapist - Outpatient\nSpeech Language Pathologist PRN\n"
           "Case Manager RN - Hybrid\nView all jobs")
ABOUT = ("About us\nNorthwind Health Partners is a utilization management company. We run prior "
         "authorization and medical necessity review of therapy, imaging and post-acute care "
         "for health plans, so their members get the right care at the right time.\n")
BENEFITS = ("\nBenefits\nMedical, dental and vision coverage for full-time and part-time team "
            "members; PRN staff may join the 401(k). Paid time off, tuition assistance and an "
            "employee assistance program.")
MOJI_MARK = "\u00e2\u20ac"  # how "\u2019" and its kin start once mangled


def moji(s):
    out = []
    for ch in s:
        if ord(ch) < 128:
            out.append(ch)
            continue
        try:
            out.append(ch.encode("utf-8").decode("cp1252"))
        except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined: kept as it was
            out.append(ch)
    return "".join(out)


def rewrite(mode, rec, n=0):
    title, text, post = rec.get("title"), rec.get("text") or "", rec["labels"]["is_posting"]
    if mode == "pipes":
        text = text.replace("\n", " | ")
    elif mode == "chrome":
        text = (POSTING_HEAD + text + POSTING_FOOT) if post else (PAGE_HEAD + text + PAGE_FOOT)
    elif mode == "similar":
        if post:
            text = text + SIMILAR
    elif mode == "moji":
        if MOJI_MARK not in text and MOJI_MARK not in (title or ""):
            title, text = title and moji(title), moji(text)
    elif mode == "benefits":
        if post:
            text = text + BENEFITS
    elif mode == "about":
        if post and not rec["labels"]["ur_role"]:
            text = (ABOUT + text) if n % 2 == 0 else (text + "\n" + ABOUT)
    else:
        sys.exit("classifier_robust.py: unknown mode '%s'" % mode)
    out = dict(rec)
    out["title"], out["text"] = title, text
    return out


def misses(urscout, path):
    """The (id, tag) pairs `urscout eval` lists as misses, and each one's line."""
    run = subprocess.run([urscout, "eval", path], capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1) or "headline" not in run.stdout:
        sys.exit("classifier_robust.py: urscout eval %s failed (%d): %s"
                 % (path, run.returncode, run.stderr.strip()))
    found, listing = {}, False
    for line in run.stdout.splitlines():
        if line.startswith("misses"):
            listing = True
        elif listing and line.strip():
            f = line.split()
            found[(f[0], f[1])] = line.strip()
    return found


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    urscout, path = sys.argv[1], sys.argv[2]
    modes = sys.argv[3:] or ["pipes", "chrome", "similar", "moji", "benefits", "about"]
    recs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    recs.append(json.loads(line))
                except ValueError as exc:
                    sys.exit("%s:%d: %s" % (path, n, exc))
    base = misses(urscout, path)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            out = os.path.join(tmp, mode + ".jsonl")
            with open(out, "w", encoding="utf-8") as fh:
                for n, r in enumerate(recs):
                    fh.write(json.dumps(rewrite(mode, r, n), ensure_ascii=False) + "\n")
            new = sorted(v for k, v in misses(urscout, out).items() if k not in base)
            print("%-8s %d records, %d tags lost" % (mode, len(recs), len(new)))
            for line in new:
                print("  %s: %s" % (mode, line))
            failed += len(new)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
