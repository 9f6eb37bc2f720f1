#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Generate a local career site for the crawl benchmark: EMPLOYERS employers, paginated HTML
# listings (PER_PAGE links each, rel=next), and one ~57 KB detail page per posting embedding a
# schema.org JobPosting in JSON-LD. Deterministic for a given seed.
import json
import os
import random
import sys

EMPLOYERS = 20
POSTINGS = 10000
PER_PAGE = 50
DETAIL_BYTES = 57 * 1024

TITLES = [
    "Utilization Review Physical Therapist", "Utilization Management Nurse (RN)",
    "Physician Advisor, Utilization Management", "Clinical Reviewer - Speech Language Pathologist",
    "Prior Authorization Specialist (PTA/COTA)", "Occupational Therapist - Therapy Reviewer",
    "Outpatient Physical Therapist", "Home Health Occupational Therapist",
    "Inpatient Registered Nurse, Med/Surg", "Case Manager RN", "Appeals and Denials Nurse",
    "Pediatric Speech Therapist", "Software Engineer", "Medical Director, Utilization Review",
]
STATES = ["TX", "CA", "NY", "FL", "IL", "CO", "WA", "GA", "NC", "OH"]
WORDS = ("review clinical documentation against evidence based criteria such as InterQual and "
         "MCG for medical necessity of therapy services and inpatient stays collaborate with "
         "physician advisors and case managers document determinations in the utilization "
         "management system meet turnaround times required by regulation and accreditation "
         "standards participate in quality audits and inter rater reliability testing").split()


def paragraph(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def description(rng, title, state, remote):
    parts = [f"<p>{title} position. {'This is a remote role.' if remote else 'Onsite role.'} "
             f"Active {state} license required; compact license accepted.</p>", "<ul>"]
    parts += [f"<li>{paragraph(rng, 14)}</li>" for _ in range(8)]
    parts.append("</ul>")
    parts += [f"<p>{paragraph(rng, 60)}</p>" for _ in range(5)]
    parts.append(f"<p>Pay range: ${rng.randint(30, 55)} - ${rng.randint(56, 75)} per hour. "
                 "Full-time, Monday through Friday.</p>")
    return "".join(parts)


def detail_page(rng, emp, n, title, state, remote):
    desc = description(rng, title, state, remote)
    ld = {
        "@context": "https://schema.org", "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": emp["name"], "value": f"{emp['slug']}-{n}"},
        "title": title, "description": desc, "datePosted": "2026-11-20",
        "validThrough": "2027-03-01T00:00:00Z", "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": emp["name"]},
        "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
                                                       "addressLocality": "Austin",
                                                       "addressRegion": state,
                                                       "addressCountry": "US"}},
    }
    if remote:
        ld["jobLocationType"] = "TELECOMMUTE"
        ld["applicantLocationRequirements"] = {"@type": "Country", "name": "USA"}
    head = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} - "
            f"{emp['name']}</title><script type=\"application/ld+json\">{json.dumps(ld)}"
            "</script></head><body><header><nav>")
    nav = "".join(f"<a href=\"/{emp['slug']}/section-{i}.html\">Section {i}</a>" for i in range(40))
    body = (f"</nav></header><main><h1>{title}</h1><div class=\"job\">{desc}</div></main>"
            "<footer>")
    out = head + nav + body
    filler = []
    size = len(out)
    while size < DETAIL_BYTES - 200:
        p = f"<p class=\"legal\">{paragraph(rng, 40)}</p>"
        filler.append(p)
        size += len(p)
    return out + "".join(filler) + "</footer></body></html>"


def listing_page(emp, page, pages, links):
    items = "".join(f"<li><a class=\"job\" href=\"{href}\">{text}</a></li>" for href, text in links)
    nxt = (f"<a rel=\"next\" href=\"/{emp['slug']}/list-{page + 1}.html\">Next</a>"
           if page < pages else "")
    return (f"<!DOCTYPE html><html><head><title>{emp['name']} careers, page {page}</title></head>"
            f"<body><h1>{emp['name']} careers</h1><ul>{items}</ul>{nxt}</body></html>")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "site"
    rng = random.Random(20261201)
    per_emp = POSTINGS // EMPLOYERS
    pages = (per_emp + PER_PAGE - 1) // PER_PAGE
    for e in range(EMPLOYERS):
        emp = {"slug": f"emp{e:02d}", "name": f"Employer {e:02d} Health Plan"}
        os.makedirs(os.path.join(out, emp["slug"], "job"), exist_ok=True)
        links = []
        for n in range(per_emp):
            title = rng.choice(TITLES)
            state = rng.choice(STATES)
            remote = rng.random() < 0.6
            with open(os.path.join(out, emp["slug"], "job", f"{n}.html"), "w") as f:
                f.write(detail_page(rng, emp, n, title, state, remote))
            links.append((f"/{emp['slug']}/job/{n}.html", title))
        for page in range(1, pages + 1):
            chunk = links[(page - 1) * PER_PAGE:page * PER_PAGE]
            with open(os.path.join(out, emp["slug"], f"list-{page}.html"), "w") as f:
                f.write(listing_page(emp, page, pages, chunk))
    print(f"{EMPLOYERS} employers, {POSTINGS} postings, {EMPLOYERS * pages} listing pages in {out}")


if __name__ == "__main__":
    main()
