#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate a small career site in every source format, for `make demo` and end-to-end tests.

usage: demo_site.py ROOT BASE_URL [--drop KEY]... [--add KEY]... [--config FILE --db DB
                                   --maildir DIR --hmac-key-file F]

Writes ROOT/routes.json and the payloads that scripts/site_server.py serves, and with
--config an urscout config whose sources point at BASE_URL. The jobs and employers are
invented. Jobs marked "extra" appear only with --add; --drop removes a job.
"""
import argparse
import html
import json
import os

JOBS = [
    # key, source, title, employer, location, workplace, schedule, description (HTML)
    ("gh-ur-pt", "greenhouse", "Utilization Review Physical Therapist", "Cedar Ridge Care Review",
     "Remote - United States", "Remote", "Full-time",
     "<p>Review outpatient physical therapy authorization requests for medical necessity "
     "against evidence-based criteria. This is a fully remote role.</p><p>Requires an active "
     "PT license in any US state. Pay: $42 - $48 per hour.</p>"),
    ("gh-clinic-pt", "greenhouse", "Outpatient Physical Therapist", "Cedar Ridge Care Review",
     "Denver, CO", "On-site", "Full-time",
     "<p>Treat patients in our outpatient orthopedic clinic five days a week. Hands-on care, "
     "onsite. Colorado PT license required. $85,000 - $98,000 per year.</p>"),
    ("lever-pa", "lever", "Physician Advisor, Utilization Management", "Kestrel Health Partners",
     "Remote - US", "remote", "Part-time",
     "<div>Perform peer-to-peer reviews and medical necessity determinations for inpatient "
     "admissions. Part-time, remote. Board-certified MD or DO with an unrestricted license; "
     "$150 - $175 per hour.</div>"),
    ("lever-um-rn", "lever", "Utilization Management Nurse Reviewer", "Kestrel Health Partners",
     "Remote - US", "remote", "Full-time",
     "<div>Registered Nurse (RN) performing concurrent review and prior authorization review. "
     "Multistate compact RN license accepted. Remote, full-time. $78,000 - $92,000 a year.</div>"),
    ("wd-slp", "workday", "Clinical Reviewer - Speech Language Pathologist", "Bluestem Health Plan",
     "Remote - TX", "Fully Remote", "Part time",
     "<p>Part-time clinical reviewer (SLP) on our utilization management team, reviewing "
     "speech therapy authorization requests. Active Texas SLP license required. Remote. "
     "Pay range: $38.00 - $44.00 per hour.</p>"),
    ("wd-pa-spec", "workday", "Prior Authorization Specialist - PTA/COTA", "Bluestem Health Plan",
     "Austin, TX", "Hybrid", "Full time",
     "<p>Hybrid role: three days in our Austin office. Licensed PTA or COTA processes prior "
     "authorization requests for outpatient therapy. Texas license required. $27 - $33 per "
     "hour.</p>"),
    ("ld-ot", "sitemap", "Therapy Reviewer - Occupational Therapist", "Willowbrook Health Plan",
     "Remote", "TELECOMMUTE", "FULL_TIME",
     "<p>Occupational therapist (OT) reviewing therapy requests for medical necessity in our "
     "utilization review department. 100% remote. Active OT license in any state. "
     "$80,000 - $90,000 per year.</p>"),
    ("ld-appeals", "sitemap", "Appeals and Denials Nurse", "Willowbrook Health Plan",
     "Remote", "TELECOMMUTE", "FULL_TIME",
     "<p>RN reviewing denials and writing appeals for a health plan. Remote. Registered "
     "Nurse license required; compact license accepted.</p>"),
    ("rss-peer", "rss", "Peer Reviewer - Physical Therapy (PRN)", "Aspen Review Services",
     "Remote", "", "PRN",
     "<p>Per diem peer reviewer for physical therapy case reviews. Licensed PT, remote, "
     "1099 contract, $60 per review hour.</p>"),
    ("rss-home", "rss", "Home Health Physical Therapist", "Aspen Review Services",
     "Boise, ID", "", "Full-time",
     "<p>Provide in-home physical therapy visits to patients across the Boise area. Idaho PT "
     "license and a driver's license required.</p>"),
    ("html-coord", "html", "Post-Acute Care Coordinator", "Meridian Review Group",
     "Remote", "", "Full-time",
     "<p>Coordinate post-acute care transitions and skilled nursing facility authorizations "
     "for health plan members. RN, PT or OT welcome. Remote, full-time.</p>"),
    ("html-cloud", "html", "Cloud Utilization Analyst", "Meridian Review Group",
     "Seattle, WA", "", "Full-time",
     "<p>Analyze cloud infrastructure utilization and cost. Onsite in Seattle. "
     "$120,000 - $140,000 per year.</p>"),
    # only with --add KEY
    ("gh-ur-ot", "greenhouse", "Utilization Review Occupational Therapist", "Cedar Ridge Care Review",
     "Remote - United States", "Remote", "Full-time",
     "<p>Review occupational therapy authorization requests for medical necessity. Remote. "
     "Active OT license in any US state. $43 - $49 per hour.</p>"),
]
EXTRA = {"gh-ur-ot"}


class Site:
    def __init__(self, root, base):
        self.root, self.base, self.routes = root, base.rstrip("/"), []

    def put(self, name, data, method="GET", path=None, query=None, body=None,
            ctype="application/json"):
        with open(os.path.join(self.root, name), "w", encoding="utf-8") as f:
            f.write(data if isinstance(data, str) else json.dumps(data, indent=1))
        self.routes.append({"method": method, "path": path or "/" + name, "query": query or {},
                            "body": body or {}, "file": name, "type": ctype})

    def slow(self, path_prefix, seconds):
        for r in self.routes:
            if r["path"].startswith(path_prefix):
                r["delay"] = seconds

    def finish(self):
        with open(os.path.join(self.root, "routes.json.tmp"), "w", encoding="utf-8") as f:
            json.dump(self.routes, f, indent=1)
        os.rename(os.path.join(self.root, "routes.json.tmp"),
                  os.path.join(self.root, "routes.json"))


def number(job):
    """A stable number per job, so ids survive jobs coming and going."""
    return 1000 + [j[0] for j in JOBS].index(job[0])


def greenhouse(site, jobs):
    out = [{"id": number(j), "title": j[2], "updated_at": "2026-11-20T09:00:00-05:00",
            "location": {"name": j[4]}, "company_name": j[3],
            "absolute_url": "%s/gh/jobs/%s" % (site.base, j[0]),
            "first_published": "2026-11-19T08:00:00-05:00",
            "metadata": [{"id": 1, "name": "Employment Type", "value": j[6]},
                         {"id": 2, "name": "Workplace", "value": j[5]}],
            "content": html.escape(j[7])} for j in jobs]
    site.put("gh.json", {"jobs": out, "meta": {"total": len(out)}},
             path="/gh/v1/boards/demo/jobs", query={"content": "true"})


def lever(site, jobs):
    out = [{"id": "lv-%s" % j[0], "text": j[2], "createdAt": 1795000000000,
            "hostedUrl": "%s/lever/%s" % (site.base, j[0]),
            "applyUrl": "%s/lever/%s/apply" % (site.base, j[0]),
            "categories": {"commitment": j[6], "location": j[4], "team": "Review"},
            "workplaceType": j[5], "description": j[7], "descriptionPlain": "", "lists": [],
            "additional": ""} for j in jobs]
    site.put("lever.json", out, path="/lever/v0/postings/demo", query={"skip": "0"})
    site.put("lever-empty.json", [], path="/lever/v0/postings/demo")


def workday(site, jobs):
    cxs = "/wd/wday/cxs/demo/Demo"
    postings = [{"title": j[2], "externalPath": "/job/Remote/%s_JR-%d" % (j[0], number(j)),
                 "locationsText": j[4], "postedOn": "Posted 2 Days Ago", "remoteType": j[5],
                 "bulletFields": ["JR-%d" % number(j)]} for j in jobs]
    site.put("wd-list.json", {"total": len(postings), "jobPostings": postings, "facets": []},
             method="POST", path=cxs + "/jobs", body={"offset": 0})
    site.put("wd-empty.json", {"total": len(postings), "jobPostings": []}, method="POST",
             path=cxs + "/jobs")
    for i, j in enumerate(jobs):
        detail = {"jobPostingInfo": {
            "id": "wd-%s" % j[0], "title": j[2], "jobDescription": j[7], "location": j[4],
            "postedOn": "Posted 2 Days Ago", "startDate": "2026-11-20", "timeType": j[6],
            "remoteType": j[5], "jobReqId": "JR-%d" % number(j),
            "externalUrl": "%s/wd/Demo/job/Remote/%s" % (site.base, j[0])},
            "hiringOrganization": {"name": j[3]}}
        site.put("wd-%s.json" % j[0], detail, path=cxs + postings[i]["externalPath"])


def jsonld_page(j, base):
    posting = {"@context": "https://schema.org/", "@type": "JobPosting", "title": j[2],
               "description": j[7], "identifier": {"@type": "PropertyValue", "value": j[0]},
               "datePosted": "2026-11-20", "employmentType": j[6],
               "hiringOrganization": {"@type": "Organization", "name": j[3]},
               "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
                                                             "addressLocality": j[4]}},
               "url": "%s/jobs/%s.html" % (base, j[0])}
    if j[5]:
        posting["jobLocationType"] = j[5]
    return ("<!DOCTYPE html><html><head><title>%s</title><script type=\"application/ld+json\">"
            "%s</script></head><body><h1>%s</h1></body></html>"
            % (html.escape(j[2]), json.dumps(posting).replace("</", "<\\/"), html.escape(j[2])))


def sitemap(site, jobs):
    urls = "".join("<url><loc>%s/jobs/%s.html</loc><lastmod>2026-11-20</lastmod></url>"
                   % (site.base, j[0]) for j in jobs)
    site.put("sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
             '"http://www.sitemaps.org/schemas/sitemap/0.9">%s</urlset>' % urls,
             ctype="application/xml")
    for j in jobs:
        site.put("ld-%s.html" % j[0], jsonld_page(j, site.base), path="/jobs/%s.html" % j[0],
                 ctype="text/html; charset=utf-8")


def rss(site, jobs):
    items = "".join(
        "<item><title>%s</title><link>%s/feed/%s</link><guid isPermaLink=\"false\">%s</guid>"
        "<pubDate>Fri, 20 Nov 2026 09:00:00 -0600</pubDate><dc:creator>%s</dc:creator>"
        "<category>%s</category><description><![CDATA[%s<p>Location: %s</p>]]></description>"
        "</item>" % (html.escape(j[2]), site.base, j[0], j[0], html.escape(j[3]), j[6], j[7],
                     html.escape(j[4])) for j in jobs)
    site.put("feed.xml", '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
             'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Aspen Review Services'
             '</title><link>%s</link><description>Jobs</description>%s</channel></rss>'
             % (site.base, items), ctype="application/rss+xml")


def html_site(site, jobs):
    links = "".join('<li><a class="job" href="/careers/%s.html">%s</a></li>'
                    % (j[0], html.escape(j[2])) for j in jobs)
    site.put("careers.html", "<html><body><h1>Careers</h1><ul>%s</ul></body></html>" % links,
             path="/careers/", ctype="text/html")
    for j in jobs:
        site.put("html-%s.html" % j[0],
                 "<html><body><h1 class=\"title\">%s</h1><p class=\"loc\">%s</p>"
                 "<div class=\"desc\">%s<p>%s</p></div></body></html>"
                 % (html.escape(j[2]), html.escape(j[4]), j[7], html.escape(j[6])),
                 path="/careers/%s.html" % j[0], ctype="text/html")


SOURCES = """
[source "demo-greenhouse"]
kind = greenhouse
url = {base}/gh
board = demo
employer = Cedar Ridge Care Review
interval = 1h

[source "demo-lever"]
kind = lever
url = {base}/lever
board = demo
employer = Kestrel Health Partners
interval = 1h

[source "demo-workday"]
kind = workday
url = {base}/wd/wday/cxs/demo/Demo
employer = Bluestem Health Plan
interval = 1h

[source "demo-jsonld"]
kind = sitemap
url = {base}/sitemap.xml
url_pattern = /jobs/
employer = Willowbrook Health Plan
interval = 1h

[source "demo-rss"]
kind = rss
url = {base}/feed.xml
employer = Aspen Review Services
interval = 1h

[source "demo-html"]
kind = html
url = {base}/careers/
employer = Meridian Review Group
list_xpath = //a[@class='job']/@href
title_xpath = //h1[@class='title']
location_xpath = //p[@class='loc']
description_xpath = //div[@class='desc']
interval = 1h
"""

CONFIG = """# urscout demo config: every source is the local demo site on 127.0.0.1.
[general]
database = {db}
bundled_sources = false
user_agent = urscout-demo/1.0 (+https://urscout.example/bot)

[crawl]
allow_hosts = 127.0.0.1
host_delay = 0
concurrency = 4
retries = 2

[delivery]
from = digest@urscout.example
from_name = urscout demo
postal_address = urscout demo, 1 Example Way, Springfield, IL 62701
maildir = {maildir}
hmac_key_file = {key}
unsubscribe_mailto = unsubscribe@urscout.example

[web]
base_url = https://urscout.example
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("base")
    ap.add_argument("--drop", action="append", default=[])
    ap.add_argument("--add", action="append", default=[])
    ap.add_argument("--config")
    ap.add_argument("--db", default="urscout.db")
    ap.add_argument("--maildir", default="mail")
    ap.add_argument("--hmac-key-file", default="hmac.key")
    ap.add_argument("--only", help="comma-separated source kinds to include in the config")
    ap.add_argument("--slow", help="path prefix whose answers wait 30 s (shutdown tests)")
    a = ap.parse_args()
    os.makedirs(a.root, exist_ok=True)
    base = a.base.rstrip("/")
    jobs = [j for j in JOBS if j[0] not in a.drop and (j[0] not in EXTRA or j[0] in a.add)]
    site = Site(a.root, base)
    for kind, fn in (("greenhouse", greenhouse), ("lever", lever), ("workday", workday),
                     ("sitemap", sitemap), ("rss", rss), ("html", html_site)):
        fn(site, [j for j in jobs if j[1] == kind])
    if a.slow:
        site.slow(a.slow, 30)
    site.finish()
    if a.config:
        sources = SOURCES.format(base=base).strip().split("\n\n")
        if a.only:
            keep = ["demo-" + k for k in a.only.split(",")]
            sources = [s for s in sources if any('"%s"' % k in s for k in keep)]
        with open(a.config, "w", encoding="utf-8") as f:
            f.write(CONFIG.format(db=a.db, maildir=a.maildir, key=a.hmac_key_file))
            f.write("\n" + "\n\n".join(sources) + "\n")


if __name__ == "__main__":
    main()
