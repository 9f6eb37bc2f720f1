/* SPDX-License-Identifier: MIT */
/* Unit tests for classifier/: every tag with positive and negative phrasing, rules errors, bad
 * input, threads, the labelled sets, and the classify / explain / reclassify / eval commands. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classifier/classifier.h"
#include "common/common.h"
#include "testutil.h"

static struct classifier *open_embedded(void)
{
    struct err e;
    struct classifier *c = NULL;
    err_clear(&e);
    if (classify_open(NULL, &c, &e) != URS_OK)
        fail_msg("embedded rules: %s", e.msg);
    return c;
}

/* "PT,RN" -> bit set through parse; "" -> 0. */
static uint64_t bits_of(const char *list, int (*parse)(const char *))
{
    uint64_t bits = 0;
    while (*list) {
        char tok[32];
        size_t n = strcspn(list, ",");
        assert_true(n < sizeof tok);
        memcpy(tok, list, n);
        tok[n] = '\0';
        int v = parse(tok);
        assert_true(v >= 0);
        bits |= UINT64_C(1) << v;
        list += n + (list[n] == ',');
    }
    return bits;
}

/* One posting and what the classifier must say about it; NULL / -1 = not checked. */
struct tag_case {
    const char *name;
    const char *title, *location, *text, *work_hint, *employment_hint;
    const char *disc, *mode, *sched, *lic, *role;
    int ur;                  /* -1, 0, 1 */
    double sal_min, sal_max; /* checked when sal_period is set */
    const char *sal_period;  /* NULL: not checked; "": no salary */
};

#define NOCHECK NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL

static const struct tag_case cases[] = {
    /* discipline: the profession the job is for, not the ones it mentions */
    {"mention is not a discipline", "Utilization Review Nurse", NULL,
     "You will consult with physicians and physician advisors on hard cases.", NULL, NULL, "RN",
     NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"RN or PT names both", "Clinical Reviewer", NULL,
     "Requirements: must be a licensed RN or PT with three years of acute care work.", NULL, NULL,
     "PT,RN", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"title beats body mentions", "Occupational Therapist", NULL,
     "Our clinic also offers physical therapy and speech therapy services.", NULL, NULL, "OT", NULL,
     NULL, NULL, NULL, -1, 0, 0, NULL},
    {"assistant is not the therapist", "Physical Therapist Assistant - Outpatient", NULL,
     "Carry out plans of care written by the supervising physical therapist.", NULL, NULL, "PTA",
     NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"the line under a requirements heading is a requirements line", "Clinical Reviewer", NULL,
     "Review therapy requests for our health plan.\nRequirements\nAn associate degree as a PTA, "
     "OTA or SLPA, or a nursing degree.",
     NULL, NULL, "PTA,COTA,SLPA", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a therapy clinic in the title is the workplace", "Front Desk Coordinator - Physical Therapy Clinic",
     NULL, "Check patients in and out and collect copays at the front desk.", NULL, NULL, "", NULL,
     NULL, NULL, NULL, -1, 0, 0, NULL},
    {"OTA counts as COTA", "OTA - Skilled Nursing", NULL, "COTA/L or OTA welcome.", NULL, NULL,
     "COTA", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"SLPA", "Speech-Language Pathology Assistant", NULL, "Work with our SLPs at two schools.",
     NULL, NULL, "SLPA", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"LVN counts as LPN", "LVN Utilization Reviewer", NULL, "Send complex cases to an RN.", NULL,
     NULL, "LPN", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"DO counts as MD", "Utilization Review Physician", NULL,
     "Qualifications: MD or DO with current board certification.", NULL, NULL, "MD", NULL, NULL,
     NULL, NULL, -1, 0, 0, NULL},
    {"physician assistant is not MD", "Physician Assistant - Urgent Care", NULL,
     "See walk-in patients under physician supervision.", NULL, NULL, "", NULL, NULL, NULL, NULL,
     -1, 0, 0, NULL},
    {"MD in an address is Maryland, not a doctor", "Occupational Therapist", NULL,
     "Our office is at 10 Main Street, Bethesda, MD 20814.", NULL, NULL, "OT", NULL, NULL, "", NULL,
     -1, 0, 0, NULL},
    {"a state after a city is a place", "LPN - Clinic", NULL,
     "Active LPN license in Jackson, Mississippi area clinics.", NULL, NULL, "LPN", NULL, NULL, "",
     NULL, -1, 0, 0, NULL},
    {"a list of states is not a city", "LPN - Clinic", NULL,
     "LPN license in Texas, Oklahoma or Louisiana.", NULL, NULL, "LPN", NULL, NULL, "LA,OK,TX",
     NULL, -1, 0, 0, NULL},
    {"a state joined to its licence word counts after a comma", "Clinical Reviewer", NULL,
     "Registered Nurse, Kentucky license required.", NULL, NULL, NULL, NULL, NULL, "KY", NULL, -1,
     0, 0, NULL},
    /* work mode */
    {"a perk is not remote", "Utilization Review Nurse", "Dallas, TX",
     "Perks include the chance to work from anywhere for up to four weeks a year.", NULL, NULL,
     NULL, "unknown", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"daily on-site work beats a Remote bucket", "Utilization Review Nurse", "Remote",
     "This role requires working on site at our hospital every day; it is not a remote "
     "position.",
     NULL, NULL, NULL, "onsite", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a stated on-site requirement with no other word", "Clinical Reviewer", NULL,
     "This role requires working on site Monday through Friday at our claims center.", NULL,
     NULL, NULL, "onsite", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a daily commute to a named office is on site", "Prior Authorization Specialist", NULL,
     "Must be able to commute to our Chicago office daily. Enter requests into the UM system.",
     NULL, NULL, NULL, "onsite", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"'Location: remote (home office)' is remote", "Peer Reviewer", NULL,
     "Location: remote (home office).\nReview physical therapy claims for medical necessity.", NULL,
     NULL, NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"an office location then 'Not remote' is on site", "Utilization Review Nurse", NULL,
     "Work location: the case management office at the main hospital. Not remote.", NULL, NULL,
     NULL, "onsite", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"on site days a week, the rest remote, is hybrid", "Physician Advisor", NULL,
     "Work arrangement: on site three days a week at the campus; remaining hours may be remote.",
     NULL, NULL, NULL, "hybrid", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a recruiter's #LI-Remote tag", "Care Review Clinician", NULL,
     "Review prior authorization requests against InterQual.\n#LI-Remote", NULL, NULL, NULL,
     "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"US remote in parentheses", "Medical Director", NULL,
     "Medical Director (US remote)\nIssue determinations on requested inpatient services.", NULL,
     NULL, NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"fields between ' / ' marks", "Implementation Analyst", NULL,
     "Engineering & Delivery / Remote (US) / Full-time\nConfigure our software for clients.", NULL,
     NULL, NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"'locations:' in the plural", "Utilization Review Nurse", NULL,
     "locations: Remote - California\nReview inpatient stays against InterQual.", NULL, NULL,
     NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a city or remote", "Cloud Cost Analyst", NULL,
     "Austin, TX or Remote (US) \xc2\xb7 Full-time\nReview compute usage.", NULL, NULL, NULL,
     "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"remote with a residence rule", "Prior Authorization Nurse", NULL,
     "This position is remote, but you must reside in TX.", NULL, NULL, NULL, "remote", NULL, "",
     NULL, -1, 0, 0, NULL},
    {"hybrid with on-site training", "Utilization Review Nurse", NULL,
     "This is a hybrid role with an onsite requirement for training.", NULL, NULL, NULL, "hybrid",
     NULL, NULL, NULL, -1, 0, 0, NULL},
    {"schema.org TELECOMMUTE", "Clinical Reviewer", NULL, "Review requests.", "TELECOMMUTE", NULL,
     NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"work from home location", "Clinical Reviewer", "Work from home", "Review requests.", NULL,
     NULL, NULL, "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"telecommute title", "Telecommute RN Reviewer", NULL, "Review requests.", NULL, NULL, NULL,
     "remote", NULL, NULL, NULL, -1, 0, 0, NULL},
    {"nothing said", "Clinical Reviewer", NULL, "Review requests.", NULL, NULL, NULL, "unknown",
     NULL, NULL, NULL, -1, 0, 0, NULL},
    {"labels run into the values before them", "Clinical Reviewer", NULL,
     "Work Location: RemoteEmployment Type: Full timeJob ID: 4411\nReview requests.", NULL, NULL,
     NULL, "remote", "full_time", NULL, NULL, -1, 0, 0, NULL},
    /* schedule */
    {"employmentType PART_TIME", "Nurse Reviewer", NULL, "Review requests.", NULL, "PART_TIME",
     NULL, NULL, "part_time", NULL, NULL, -1, 0, 0, NULL},
    {"employmentType PER_DIEM", "Nurse Reviewer", NULL, "Review requests.", NULL, "PER_DIEM", NULL,
     NULL, "prn", NULL, NULL, -1, 0, 0, NULL},
    {"employmentType CONTRACTOR and TEMPORARY", "Nurse Reviewer", NULL, "Review requests.", NULL,
     "CONTRACTOR, TEMPORARY", NULL, NULL, "contract", NULL, NULL, -1, 0, 0, NULL},
    {"PRN and per diem in text", "Therapy Reviewer", NULL, "Schedule: PRN (per diem) weekends.",
     NULL, NULL, NULL, NULL, "prn", NULL, NULL, -1, 0, 0, NULL},
    {"1099 is contract", "Physician Reviewer", NULL, "Paid per review as a 1099 contractor.", NULL,
     NULL, NULL, NULL, "contract", NULL, NULL, -1, 0, 0, NULL},
    {"benefits wording states no schedule", "Nurse Reviewer", NULL,
     "Benefits for full-time employees include dental. Graduates may get a temporary "
     "appointment.",
     NULL, NULL, NULL, NULL, "", NULL, NULL, -1, 0, 0, NULL},
    {"a field label is not a value", "Nurse Reviewer", NULL,
     "Full Time/Part Time: Part time\nRegular/Temporary: Regular", NULL, NULL, NULL, NULL,
     "part_time", NULL, NULL, -1, 0, 0, NULL},
    {"both stated", "Nurse Reviewer", NULL, "Open to full-time or part-time reviewers.", NULL, NULL,
     NULL, NULL, "full_time,part_time", NULL, NULL, -1, 0, 0, NULL},
    {"a label on the line over its value", "Nurse Reviewer", NULL,
     "Full-Time/Part-Time\nFull time\nReview requests.", NULL, NULL, NULL, NULL, "full_time", NULL,
     NULL, -1, 0, 0, NULL},
    {"an aggregator's header value is both", "Physical Therapist", NULL,
     "Physical Therapist\nFull Time / Part Time\nDayton, OH\nTreat outpatients.", NULL, NULL, NULL,
     NULL, "full_time,part_time", NULL, NULL, -1, 0, 0, NULL},
    /* licence */
    {"board name", "Therapy Reviewer", NULL,
     "Must hold a license issued by the Texas Board of Physical Therapy Examiners.", NULL, NULL,
     NULL, NULL, NULL, "TX", NULL, -1, 0, 0, NULL},
    {"codes in licence context, as a list", "Nurse Reviewer", NULL,
     "Active RN license in TX or AZ required.", NULL, NULL, NULL, NULL, NULL, "TX,AZ", NULL, -1, 0,
     0, NULL},
    {"an office address is no licence", "Nurse Reviewer", NULL,
     "Office: 500 Elm St, Austin, TX 78701. Must hold an active RN license.", NULL, NULL, NULL,
     NULL, NULL, "", NULL, -1, 0, 0, NULL},
    {"compact", "Nurse Reviewer", NULL, "A multistate compact license is accepted.", NULL, NULL,
     NULL, NULL, NULL, "COMPACT", NULL, -1, 0, 0, NULL},
    {"any state", "Nurse Reviewer", NULL, "An active RN license in any U.S. state is required.",
     NULL, NULL, NULL, NULL, NULL, "ANY", NULL, -1, 0, 0, NULL},
    {"a driver's licence is not a professional licence", "Home Health PT", NULL,
     "A valid Texas driver's license is required.", NULL, NULL, NULL, NULL, NULL, "", NULL, -1, 0,
     0, NULL},
    {"state name after licensed in", "Case Manager", NULL, "Must be licensed in Ohio as an RN.",
     NULL, NULL, NULL, NULL, NULL, "OH", NULL, -1, 0, 0, NULL},
    {"a state before a compact licence phrase", "Nurse Reviewer", NULL,
     "Requirements\nNorth Carolina or multistate RN license", NULL, NULL, NULL, NULL, NULL,
     "NC,COMPACT", NULL, -1, 0, 0, NULL},
    {"NYS and compact accepted", "Nurse Reviewer", NULL,
     "NYS RN license, current.\nRN with an active Louisiana license (compact accepted).", NULL,
     NULL, NULL, NULL, NULL, "NY,LA,COMPACT", NULL, -1, 0, 0, NULL},
    {"'or a compact state' accepts compact", "Nurse Reviewer", NULL,
     "RN license in good standing in Colorado, Utah, or a compact state.", NULL, NULL, NULL, NULL,
     NULL, "CO,UT,COMPACT", NULL, -1, 0, 0, NULL},
    {"'not a compact state' does not", "Nurse Reviewer", NULL,
     "Current Alaska RN license (Alaska is not a compact state).", NULL, NULL, NULL, NULL, NULL,
     "AK", NULL, -1, 0, 0, NULL},
    {"codes listed after 'one of the following'", "Nurse Reviewer", NULL,
     "Active RN license in one of the following: AZ, NM, UT.", NULL, NULL, NULL, NULL, NULL,
     "AZ,NM,UT", NULL, -1, 0, 0, NULL},
    {"multistate accepted in parentheses", "Nurse Reviewer", NULL,
     "Current Tennessee RN license (multistate accepted)", NULL, NULL, NULL, NULL, NULL,
     "TN,COMPACT", NULL, -1, 0, 0, NULL},
    {"licensed to practice a therapy in an ambiguous code", "Peer Reviewer", NULL,
     "Licensed to practice physical therapy in PA, with current clinical practice.", NULL, NULL,
     NULL, NULL, NULL, "PA", NULL, -1, 0, 0, NULL},
    /* salary */
    {"hourly range", "Nurse Reviewer", NULL, "Pay: $27-36 per hour.", NULL, NULL, NOCHECK},
    {"yearly range", "Nurse Reviewer", NULL, "Salary: $65,000 - $80,000", NULL, NULL, NOCHECK},
    {"K and /yr", "Nurse Reviewer", NULL, "Compensation: $85K\xe2\x80\x93$95K/yr", NULL, NULL,
     NOCHECK},
    {"up to", "Nurse Reviewer", NULL, "Up to $31.83 per hour based on experience.", NULL, NULL,
     NOCHECK},
    {"monthly", "Nurse Reviewer", NULL, "Salary range: $7,000 - $9,000 per month", NULL, NULL,
     NOCHECK},
    {"USD without a dollar sign", "Nurse Reviewer", NULL, "79,354.10 to 103,160.33 USD annually",
     NULL, NULL, NOCHECK},
    {"not pay", "Nurse Reviewer", NULL,
     "We just finished a $250 million renovation and offer a $5,000 sign-on bonus.", NULL, NULL,
     NOCHECK},
    {"clock times are not pay", "Nurse Reviewer", NULL,
     "Shifts 8:00-4:30 or 11:00-7:30 ET.\nPay: $38.00 - $45.00 per hour.", NULL, NULL, NOCHECK},
    {"minutes per chart are not pay", "Chart Auditor", NULL,
     "Each audit takes 25-30 minutes per chart. Compensation: $14 per completed chart audit.",
     NULL, NULL, NOCHECK},
    {"an escaped entity dash", "Nurse Reviewer", NULL,
     "The base salary range is $82,000&amp;mdash;$96,000 USD.", NULL, NULL, NOCHECK},
    {"a pay label after a bonus", "Speech-Language Pathologist", NULL,
     "$5,000 sign-on bonus   |   Pay up to $52/hr based on experience", NULL, NULL, NOCHECK},
    {"per billed unit in other words", "Physical Therapist", NULL,
     "PRN therapists are paid $21 for every billed unit.", NULL, NULL, NOCHECK},
    {"per completed call", "Peer Reviewer", NULL,
     "Compensation: $75 per completed peer-to-peer call.", NULL, NULL, NOCHECK},
    /* role family and UR relevance */
    {"cloud utilization is not UR", "Cloud Utilization Analyst", NULL,
     "Track server utilization and capacity planning across our AWS and Kubernetes accounts.", NULL,
     NULL, "", NULL, NULL, NULL, "non_healthcare", 0, 0, 0, NULL},
    {"clinic PT mentioning authorization", "Outpatient Physical Therapist", NULL,
     "Evaluate and treat patients in our clinic; the front desk obtains prior authorization "
     "when insurers require it.",
     NULL, NULL, "PT", "onsite", NULL, NULL, "clinical_other", 0, 0, 0, NULL},
    {"an emoji marks a field", "Clinical Appeals Reviewer", NULL,
     "Northgate Health\n\xf0\x9f\x93\x8d Remote (USA)   \xf0\x9f\x92\xbc Full-time\n"
     "Review member appeals against medical necessity criteria.",
     NULL, NULL, NULL, "remote", "full_time", NULL, NULL, -1, 0, 0, NULL},
    {"a discipline's posting without role words is clinical care, on site", "Licensed PT", NULL,
     "Evaluate and treat athletes after ACL repair. Health insurance for members of our team.",
     NULL, NULL, "PT", "onsite", NULL, NULL, "clinical_other", 0, 0, 0, NULL},
    {"a forum question", "Considering a change to prior authorization nursing", NULL,
     "I have worked med-surg for six years. Has anyone moved into prior authorization at a "
     "health plan? Can someone please explain the schedule?\nThank you all in advance!",
     NULL, NULL, "", "unknown", "", "", "article", 0, 0, 0, ""},
    {"a civil-service class specification", "Utilization Review Nurse Coordinator (5613FP)",
     NULL,
     "PURPOSE OF JOB CLASS\nIn a state agency, reviews hospital admissions for medical "
     "necessity.\nDISTINGUISHING FEATURES OF THE CLASS\nTypical work activities: conducts "
     "concurrent review; applies InterQual criteria.\nRequirements: RN license.",
     NULL, NULL, "", "unknown", "", "", "article", 0, 0, 0, ""},
    {"a county posting with its class's headings", "Public Health Nurse II", NULL,
     "Salary: $38.10 - $46.32 Hourly\nJob Type: Full Time\nClosing: 12/31/2026\nExamples of "
     "Duties\nVisits clients in their homes.\nSupervision Received and Exercised\nReports to "
     "the nursing supervisor.\nTypical Qualifications\nCurrent RN license.",
     NULL, NULL, "RN", "onsite", "full_time", NULL, "clinical_other", 0, 0, 0, NULL},
    {"career advice article", "How to Land a Utilization Review Job", NULL,
     "In this article we share tips. What is utilization review? Subscribe to our newsletter. "
     "Many roles are remote and full-time; an RN license in Texas helps. Salary: $70,000.",
     NULL, NULL, "", "unknown", "", "", "article", 0, 0, 0, ""},
    {"unlicensed payer coordinator is UR", "Utilization Management Coordinator", NULL,
     "Prepare prior authorization requests for clinical review and send approval letters for "
     "our health plan members. No license required.",
     NULL, NULL, "", NULL, NULL, NULL, "utilization_review", 1, 0, 0, NULL},
    {"provider clerical authorization is not UR", "Prior Authorization Specialist", NULL,
     "Obtain prior authorizations from insurance companies, verify insurance eligibility and "
     "help the front desk.",
     NULL, NULL, "", NULL, NULL, NULL, "admin_other", 0, 0, 0, NULL},
    {"the trainer of UM reviewers is not one", "Clinical Trainer - Utilization Management", NULL,
     "Teach new utilization management nurse reviewers InterQual criteria, medical necessity "
     "review and concurrent review documentation for our health plan.",
     NULL, NULL, NULL, NULL, NULL, NULL, "admin_other", 0, 0, 0, NULL},
    {"a UM software engineer is not a reviewer", "Software QA Engineer - Prior Authorization", NULL,
     "Test the platform our health plan nurses use for prior authorization review, medical "
     "necessity criteria and concurrent review.",
     NULL, NULL, NULL, NULL, NULL, NULL, "non_healthcare", 0, 0, 0, NULL},
    {"a pharmacy's prior-auth desk is clerical", "Pharmacy Technician - Prior Authorization", NULL,
     "Process prior authorization requests for medications at our specialty pharmacy; contact "
     "prescribers and insurers.",
     NULL, NULL, "", NULL, NULL, NULL, "admin_other", 0, 0, 0, NULL},
    {"a PBM's prior-auth technician prepares determinations",
     "Pharmacy Technician - Prior Authorization", NULL,
     "Review prior authorization requests against plan coverage criteria for our pharmacy benefit "
     "members and prepare cases for pharmacist determination.",
     NULL, NULL, "", NULL, NULL, NULL, "prior_authorization", 1, 0, 0, NULL},
    {"billing denials are not clinical appeals", "Denials Resolution Specialist - Hospital Billing",
     NULL,
     "Work hospital claim denials for billing reasons: timely filing and coding edits. Correct and "
     "resubmit claims. Clinical medical necessity denials go to our RN appeals team.",
     NULL, NULL, "", NULL, NULL, NULL, "admin_other", 0, 0, 0, NULL},
    {"review said to be another team's work", "RN Case Manager - Discharge Planning", NULL,
     "Utilization review is handled by a separate UR team; this role plans discharges and "
     "arranges home health after inpatient stays at our hospital.",
     NULL, NULL, "RN", NULL, NULL, NULL, "case_management", 0, 0, 0, NULL},
    {"'not a utilization management position'", "Medical Director - Urgent Care", NULL,
     "Lead clinical quality and chart audits for our clinics and work with payers on quality "
     "programs. This is an on-site role, not a utilization management or review position.",
     NULL, NULL, "MD", NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
    {"review said to be someone else's in other words", "RN Care Manager - Complex Care", NULL,
     "Telephonic care management for health plan members. Refer members to Utilization "
     "Management when a service needs authorization; you will not review cases yourself.",
     NULL, NULL, "RN", NULL, NULL, NULL, "case_management", 0, 0, 0, NULL},
    {"journal peer review is publishing", "Peer Review Coordinator - Medical Journals", NULL,
     "Manage the peer review workflow for three clinical journals and prepare decision letters "
     "for the editors.",
     NULL, NULL, "", NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
    {"appeals nurse", "Clinical Appeals Nurse", NULL,
     "Review member appeals of adverse determinations against medical necessity criteria.", NULL,
     NULL, "RN", NULL, NULL, NULL, "appeals_denials", 1, 0, 0, NULL},
    {"UM medical director", "Medical Director", NULL,
     "Make medical necessity determinations on prior authorization requests for our health "
     "plan.",
     NULL, NULL, "MD", NULL, NULL, NULL, "physician_advisor", 1, 0, 0, NULL},
    {"nursing home medical director", "Medical Director", NULL,
     "Lead the medical staff of our skilled nursing facility and see residents on rounds.", NULL,
     NULL, "MD", NULL, NULL, NULL, "clinical_other", 0, 0, 0, NULL},
    {"hospital case manager doing admission review", "RN Case Manager", NULL,
     "Apply InterQual to admissions and continued stays to decide medical necessity.", NULL, NULL,
     "RN", NULL, NULL, NULL, "case_management", 1, 0, 0, NULL},
    {"social-services case manager", "Housing Case Manager", NULL,
     "Help veterans find housing and connect them with community services.", NULL, NULL, NULL, NULL,
     NULL, NULL, "case_management", 0, 0, 0, NULL},
    {"explicitly not review work", "UM Policy Nurse", NULL,
     "This is not chart review: you turn health plan policy into logic for our software.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL},
    {"starting at states a minimum", "Physical Therapist Assistant", NULL,
     "Outpatient clinic, Monday to Friday. Pay: starting at $26 per hour, more with "
     "experience.",
     NULL, NULL, "PTA", NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"visit rates by visit type give a range", "Home Health Speech Therapist", NULL,
     "Pay per visit: Eval $110 \xc2\xb7 Routine $75 \xc2\xb7 Recert/Discharge $85\nSee patients in "
     "their homes.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a bonus and mileage are not visit rates", "Home Health PT", NULL,
     "Pay: $85 per visit, a $2,000 sign-on bonus and $0.58 per mile. $25 an hour for meetings.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a count of calls a day is not pay", "Member Services Representative", NULL,
     "Handle 50-70 inbound calls a day in a call-center environment. Pay: $18.50/hour.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"rates listed by role give a range", "Outpatient Therapists", NULL,
     "Pay ranges\nPTs: $42-$50 per hour \xc2\xb7 PTAs: $29-$34 per hour\nBenefits: a $3,000 "
     "sign-on bonus for PTs.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"one role's rate beside another period is not widened", "Physical Therapist", NULL,
     "Pay: PT $48/hr; PRN PTA $310 per day.", NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0,
     NULL},
    {"a federal range with 'to -'", "Physical Therapist", NULL,
     "Salary: $112,015 to - $145,617 per year", NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0,
     0, NULL},
    {"through, with an aside after the first figure", "School Occupational Therapist", NULL,
     "Annual range is $71,755 (BA+0 step 1) through $140,729 (MA+90 step 20).", NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"min and max fields", "Charge Nurse", NULL, "Pay: MinUSD $35.92/Hr.MaxUSD $57.47/Hr.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"and up", "Physical Therapist", NULL,
     "Annual Rate : $63,511 and up depending on experience", NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, -1, 0, 0, NULL},
    {"a referral coordinator's pay", "Referral Coordinator", NULL,
     "Hourly Rate:\nMin: $19.85 Max: $30.40\nThe Referral Coordinator schedules visits.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a referral award is not pay", "Nurse Reviewer", NULL,
     "Employee referral: earn $500 for each referral.", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     -1, 0, 0, NULL},
    {"rates listed by pay tier give a range", "Home Health Physical Therapist", NULL,
     "Pay: Level I $38/hr, Level II $42/hr, Level III $46/hr based on experience.", NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"to start after the rate", "Outreach Nurse", NULL,
     "Compensation: $31.25 per hour to start, with a 5% bonus target.", NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, -1, 0, 0, NULL},
    {"starting pay with a colon", "Medical Records Clerk", NULL,
     "Starting pay: $19.75/hour, with increases for certification.", NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, -1, 0, 0, NULL},
    {"a pay heading over the line of rates", "Home Health Physical Therapist", NULL,
     "Per visit rates:\nEval $125 \xc2\xb7 Routine $80 \xc2\xb7 Discharge $90\nVisit patients in their "
     "homes.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a table of visit rates under a heading", "PRN Physical Therapist - Home Health", NULL,
     "Pay per visit\nEvaluation / Start of Care  $140\nRoutine revisit  $95\nDischarge  $105\n"
     "Mileage reimbursed at the IRS rate.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"visit-type labels in a per-visit posting", "Speech-Language Pathologist - Home Health", NULL,
     "Savannah, GA \xc2\xb7 Part-time, per visit\n\nCompensation\n  SLP evaluation: $150\n  "
     "Treatment visit: $90\n  Discharge visit: $100\n",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"rates per review by kind of case give a range", "Physician Peer Reviewer", NULL,
     "Compensation\n$60 per review for standard cases; $95 per review for expedited cases.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"an aggregator's 'From' states a minimum", "Prior Authorization Nurse", NULL,
     "Pay: From $62,000 a year\nReview pre-service requests for our health plan members.", NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"'from ... to' is still a range", "Prior Authorization Nurse", NULL,
     "The hourly rate ranges from $30.00 to $35.00 an hour, based on experience.", NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    {"a yearly range in words after a pay word", "Appeals Nurse", NULL,
     "The salary for this role is between eighty and ninety-five thousand dollars, plus a bonus.",
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, 0, NULL},
    /* page text as crawlers give it: fields joined by "|", chrome, other jobs, mojibake */
    {"a field after '|' starts a line", "Authorization Coordinator", NULL,
     "Northfield Rehab | Location: Dayton, OH (clinic office) | Full-time | Enter authorization "
     "numbers into our billing system and call payers about pending requests.",
     NULL, NULL, "", "onsite", "full_time", NULL, "admin_other", 0, 0, 0, NULL},
    {"a licence clause ends at '|'", "Occupational Therapist Reviewer", NULL,
     "Review occupational therapy requests for medical necessity for our health plan. | "
     "Requirements | Occupational therapist with an active license in Pennsylvania or New Jersey "
     "| CHT a plus | Full time",
     NULL, NULL, "OT", NULL, "full_time", "PA,NJ", NULL, -1, 0, 0, NULL},
    {"a list of similar jobs is other jobs", "Utilization Review Nurse", NULL,
     "Review inpatient admissions and continued stays against InterQual criteria for our health "
     "plan members. Full time, Monday to Friday. Work from home anywhere in Texas.\n"
     "Similar Jobs\nPhysical Therapist PRN\nSpeech Language Pathologist - Part Time\n"
     "Utilization Review Nurse - Hybrid\n",
     NULL, NULL, "RN", "remote", "full_time", NULL, "utilization_review", 1, 0, 0, NULL},
    {"'Similar:' with its list on the same line", "Travel COTA - Skilled Nursing", NULL,
     "Job type: Contract (13 weeks). Carry a full caseload of short-term rehab patients in a "
     "140-bed SNF.\nSimilar: Travel PTA - SNF \xc2\xb7 Remote MDS Coordinator\n",
     NULL, NULL, "COTA", "onsite", "contract", NULL, "clinical_other", 0, 0, 0, NULL},
    {"a mojibake dash separates", "Medical Director", NULL,
     "Medical Director (Remote \xc3\xa2\xe2\x82\xac\xe2\x80\x9c US Only)\nMake medical "
     "necessity determinations on prior authorization requests for our members.",
     NULL, NULL, "MD", "remote", NULL, NULL, "physician_advisor", 1, 0, 0, NULL},
    {"a UM company's about section is not the job", "Rehab Aide", NULL,
     "About us\nNorthwind Health Partners runs utilization management, prior authorization and "
     "medical necessity review of therapy for health plans and their members.\nThe role\nSet up "
     "the gym, clean equipment and help our therapists with patient transfers. Full time.",
     NULL, NULL, "", NULL, "full_time", NULL, NULL, 0, 0, 0, NULL},
    {"a posting page's search chrome", "Utilization Review Nurse", NULL,
     "Back to search results\nSaved Jobs (0)\nReview inpatient admissions and continued stays "
     "against InterQual criteria for our health plan members.",
     NULL, NULL, "RN", NULL, NULL, NULL, "utilization_review", 1, 0, 0, NULL},
};

/* The expected salary of the salary cases, by name (kept apart to keep the table readable). */
static void salary_want(const char *name, double *min, double *max, const char **period)
{
    static const struct {
        const char *name;
        double min, max;
        const char *period;
    } s[] = {{"hourly range", 27, 36, "hour"},
             {"yearly range", 65000, 80000, "year"},
             {"K and /yr", 85000, 95000, "year"},
             {"up to", 0, 31.83, "hour"},
             {"monthly", 7000, 9000, "month"},
             {"USD without a dollar sign", 79354.10, 103160.33, "year"},
             {"not pay", 0, 0, ""},
             {"clock times are not pay", 38, 45, "hour"},
             {"minutes per chart are not pay", 14, 14, "review"},
             {"an escaped entity dash", 82000, 96000, "year"},
             {"a pay label after a bonus", 0, 52, "hour"},
             {"per billed unit in other words", 21, 21, "unit"},
             {"per completed call", 75, 75, "review"},
             {"a count of calls a day is not pay", 18.5, 18.5, "hour"},
             {"visit rates by visit type give a range", 75, 110, "visit"},
             {"a bonus and mileage are not visit rates", 85, 85, "visit"},
             {"starting at states a minimum", 26, 0, "hour"},
             {"starting pay with a colon", 19.75, 0, "hour"},
             {"rates listed by role give a range", 29, 50, "hour"},
             {"one role's rate beside another period is not widened", 48, 48, "hour"},
             {"to start after the rate", 31.25, 0, "hour"},
             {"a federal range with 'to -'", 112015, 145617, "year"},
             {"through, with an aside after the first figure", 71755, 140729, "year"},
             {"min and max fields", 35.92, 57.47, "hour"},
             {"and up", 63511, 0, "year"},
             {"a referral coordinator's pay", 19.85, 30.40, "hour"},
             {"a referral award is not pay", 0, 0, ""},
             {"rates listed by pay tier give a range", 38, 46, "hour"},
             {"a pay heading over the line of rates", 80, 125, "visit"},
             {"a table of visit rates under a heading", 95, 140, "visit"},
             {"visit-type labels in a per-visit posting", 90, 150, "visit"},
             {"rates per review by kind of case give a range", 60, 95, "review"},
             {"an aggregator's 'From' states a minimum", 62000, 0, "year"},
             {"'from ... to' is still a range", 30, 35, "hour"},
             {"a yearly range in words after a pay word", 80000, 95000, "year"}};
    *period = NULL;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (strcmp(s[i].name, name) == 0)
            *min = s[i].min, *max = s[i].max, *period = s[i].period;
}

static void fill(struct posting *p, const struct tag_case *tc)
{
    posting_init(p);
    assert_int_equal(posting_set(&p->title, tc->title), URS_OK);
    assert_int_equal(posting_set(&p->location, tc->location), URS_OK);
    assert_int_equal(posting_set(&p->description, tc->text), URS_OK);
    assert_int_equal(posting_set(&p->work_hint, tc->work_hint), URS_OK);
    assert_int_equal(posting_set(&p->employment_hint, tc->employment_hint), URS_OK);
}

/* Every evidence phrase is the text at its offset (structured salary aside). */
static void check_offsets(const struct posting *p)
{
    struct sbuf layout;
    sbuf_init(&layout, 1 << 20);
    assert_int_equal(classify_text_layout(p, &layout), URS_OK);
    for (size_t i = 0; i < p->evidence_len; i++) {
        const struct evidence *ev = &p->evidence[i];
        if (strncmp(ev->phrase, "structured ", 11) == 0)
            continue;
        assert_true(ev->offset + strlen(ev->phrase) <= layout.len);
        char got[200];
        snprintf(got, sizeof got, "%.*s", (int)strlen(ev->phrase), sbuf_str(&layout) + ev->offset);
        for (char *c = got; *c; c++)
            *c = *c == '\n' || *c == '\t' ? ' ' : *c;
        assert_string_equal(got, ev->phrase);
    }
    sbuf_free(&layout);
}

static void check_case(const struct tag_case *tc, const struct posting *p)
{
    double min = 0, max = 0;
    const char *period = tc->sal_period;
    print_message("case: %s\n", tc->name);
    if (tc->disc)
        assert_int_equal(p->disciplines, bits_of(tc->disc, disc_parse));
    if (tc->mode)
        assert_string_equal(work_mode_name(p->work_mode), tc->mode);
    if (tc->sched)
        assert_int_equal(p->schedule, bits_of(tc->sched, sched_parse));
    if (tc->lic)
        assert_true(p->license_states == bits_of(tc->lic, state_parse));
    if (tc->role)
        assert_string_equal(role_family_name(p->role_family), tc->role);
    if (tc->ur >= 0)
        assert_int_equal(p->ur_role, tc->ur);
    if (!period)
        salary_want(tc->name, &min, &max, &period);
    if (period && !*period)
        assert_int_equal(p->salary.period, PERIOD_NONE);
    if (period && *period) {
        assert_string_equal(period_name(p->salary.period), period);
        assert_true(p->salary.min > min - 0.005 && p->salary.min < min + 0.005);
        assert_true(p->salary.max > max - 0.005 && p->salary.max < max + 0.005);
        /* per visit, review and unit rates are never annualised */
        bool piece = p->salary.period == PERIOD_VISIT || p->salary.period == PERIOD_REVIEW ||
                     p->salary.period == PERIOD_UNIT;
        assert_true(piece ? p->salary.annual == 0 : p->salary.annual > 0);
    }
    check_offsets(p);
}

static void test_tags(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct posting p;
        struct err e;
        err_clear(&e);
        fill(&p, &cases[i]);
        assert_int_equal(classify_posting(c, &p, &e), URS_OK);
        check_case(&cases[i], &p);
        posting_free(&p);
    }
    classify_close(c);
}

/* Each tag that is set carries evidence; unknown tags carry none. */
static void test_evidence_per_tag(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    struct posting p;
    struct err e;
    bool seen[TAG_COUNT] = {false};
    posting_init(&p);
    assert_int_equal(posting_set(&p.title, "Utilization Review Nurse - Remote"), URS_OK);
    assert_int_equal(posting_set(&p.description,
                                 "Review inpatient admissions for medical necessity. Active RN "
                                 "license in Florida. Full-time. Pay: $40-$48 per hour."),
                     URS_OK);
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    for (size_t i = 0; i < p.evidence_len; i++)
        seen[p.evidence[i].tag] = true;
    for (int t = 0; t < TAG_COUNT; t++)
        assert_true(seen[t]);
    assert_int_equal(p.license_states, UINT64_C(1) << state_parse("FL"));
    assert_true(p.ur_score > 0.5 && p.ur_score < 1);
    check_offsets(&p);
    /* classifying again replaces, never appends */
    size_t n = p.evidence_len;
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_int_equal(p.evidence_len, n);
    posting_free(&p);
    classify_close(c);
}

static void test_structured_salary(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    struct posting p;
    struct err e;
    posting_init(&p);
    assert_int_equal(posting_set(&p.title, "Clinical Reviewer"), URS_OK);
    p.salary_hint = (struct salary){.min = 70000, .max = 90000, .period = PERIOD_YEAR};
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_int_equal(p.salary.period, PERIOD_YEAR);
    assert_true(p.salary.annual == 80000);
    posting_free(&p);
    classify_close(c);
}

/* ---- rules files ---- */

struct bad_rules {
    const char *text;
    const char *message; /* expected after "PATH:" */
};

static void test_rules_errors(void **state)
{
    (void)state;
    static const struct bad_rules bad[] = {
        {"[nope x]\n", ":1: unknown section 'nope'"},
        {"# fine\n[discipline XX]\n", ":2: unknown value 'XX' for [discipline]"},
        {"[discipline PT]\ntitle ten physical therapist\n", ":2: weight 'ten' is not a number"},
        {"[discipline PT]\nplanet 1 physical therapist\n", ":2: unknown zone 'planet'"},
        {"[discipline PT]\n\ntitle 1 (physical therapist\n", ":3: unbalanced '('"},
        {"[discipline PT]\ntitle 1 physical? therapist\n", ":2: '?' inside a phrase"},
        {"[discipline PT]\ntitle 1 review* nurse\n", ":2: '*' inside a phrase"},
        {"[discipline PT]\ntitle 1 re:(unclosed\n", ":2: regex error at column"},
        {"title 1 physical therapist\n", ":1: rule before any [section]"},
        {"[settings]\nbogus 3\n", ":2: unknown setting 'bogus'"},
        {"[settings]\nur_min -5\n", ":2: setting ur_min: '-5' is not a number in"},
        {"[discipline PT]\ntitle 1\n", ":2: missing phrase after the weight"},
        {"[discipline PT]\ntitle 1 (a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)\n",
         ":2: phrase expands to too many alternatives"},
        {"[discipline PT\n", ":1: section header must end with ']'"},
        {"[discipline PT]\ntitle 1 physical therapist | re:p[th]\n",
         ":2: a regex must be the whole pattern, not one of its '|' alternatives"},
        {"# only a comment\n", ": no rules"},
    };
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "bad.rules");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err e;
        struct classifier *c = (struct classifier *)&e; /* must be reset to NULL */
        char want[512];
        err_clear(&e);
        tu_write_file(path, bad[i].text, (size_t)-1);
        assert_int_not_equal(classify_open(path, &c, &e), URS_OK);
        assert_null(c);
        snprintf(want, sizeof want, "%s%s", path, bad[i].message);
        print_message("rules: %s\n", e.msg);
        assert_true(strncmp(e.msg, want, strlen(want)) == 0);
    }
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void test_rules_file_and_folder(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *a = tu_path(dir, "a.rules"), *b = tu_path(dir, "b.rules"), *note = tu_path(dir, "x.txt");
    tu_write_file(a, "[settings]\ndiscipline_min 1\n[discipline OT]\nbody 2 purple\n", (size_t)-1);
    tu_write_file(b, "[work_mode remote]\nany 5 =ZOOM\n", (size_t)-1);
    tu_write_file(note, "not rules", (size_t)-1);
    struct err e;
    struct classifier *c;
    struct posting p;
    err_clear(&e);
    posting_init(&p);
    assert_int_equal(posting_set(&p.description, "A purple job, zoom and ZOOM."), URS_OK);
    assert_int_equal(classify_open(dir, &c, &e), URS_OK); /* every *.rules, in name order */
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_int_equal(p.disciplines, 1u << DISC_OT);
    assert_int_equal(p.work_mode, MODE_REMOTE);
    assert_int_equal(p.evidence[p.evidence_len - 1].offset, 2 + strlen("A purple job, zoom and "));
    classify_close(c);
    assert_int_equal(classify_open(a, &c, &e), URS_OK); /* one file alone */
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_int_equal(p.work_mode, MODE_UNKNOWN);
    classify_close(c);
    posting_free(&p);
    assert_int_equal(remove(a), 0);
    assert_int_equal(remove(b), 0);
    assert_int_equal(classify_open(dir, &c, &e), URS_EPARSE); /* no .rules left */
    assert_non_null(strstr(e.msg, "no .rules files"));
    free(a);
    free(b);
    free(note);
    tu_rmtree(dir);
    free(dir);
}

static int cmp_word(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Rules whose phrases need more trie states than 16 bits can number still load and match. */
static void test_many_states(void **state)
{
    (void)state;
    enum { WORDS = 12000, LEN = 8 };
    static char word[WORDS][LEN + 1];
    uint32_t x = 12345;
    for (size_t i = 0; i < WORDS; i++) {
        for (size_t j = 0; j < LEN; j++) {
            x = x * 1103515245u + 12345u;
            word[i][j] = (char)('a' + (x >> 16) % 26);
        }
        word[i][LEN] = '\0';
    }
    struct sbuf text;
    sbuf_init(&text, 1 << 20);
    assert_int_equal(sbuf_puts(&text, "[settings]\ndiscipline_min 1\n[discipline OT]\n"), URS_OK);
    for (size_t i = 0; i < WORDS; i++)
        assert_int_equal(sbuf_printf(&text, "%s%s", i % 20 ? " | " : "\nbody 2 ", word[i]), URS_OK);
    assert_int_equal(sbuf_puts(&text, "\n"), URS_OK);
    char last[LEN + 1];
    memcpy(last, word[WORDS - 1], sizeof last);
    /* the trie's states: one per distinct prefix, the root aside */
    qsort(word, WORDS, sizeof word[0], cmp_word);
    size_t states = 1;
    for (size_t i = 0; i < WORDS; i++) {
        size_t common = 0;
        while (i > 0 && common < LEN && word[i][common] == word[i - 1][common])
            common++;
        states += LEN - common;
    }
    assert_true(states > 65536);
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "big.rules");
    tu_write_file(path, sbuf_str(&text), text.len);
    struct err e;
    struct classifier *c;
    struct posting p;
    err_clear(&e);
    posting_init(&p);
    char desc[64];
    snprintf(desc, sizeof desc, "A job for a %s.", last);
    assert_int_equal(posting_set(&p.description, desc), URS_OK);
    assert_int_equal(classify_open(path, &c, &e), URS_OK);
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_int_equal(p.disciplines, 1u << DISC_OT);
    classify_close(c);
    posting_free(&p);
    sbuf_free(&text);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Regexes that start with a rare byte are skipped when the text lacks it: the same matches. */
static void test_regex_first_byte(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "r.rules");
    tu_write_file(path,
                  "[settings]\ndiscipline_min 1\n"
                  "[work_mode remote]\nany 5 re:\\|[ \\t]*zoom\\b\n"
                  "[discipline OT]\nany 2 re:\xe2\x80\xa2[ ]*purple\n"
                  "[discipline PT]\nany 2 re:(?i)teal\\b\n",
                  (size_t)-1);
    static const struct {
        const char *text;
        unsigned disc;
        enum work_mode mode;
    } want[] = {
        {"| zoom", 0, MODE_REMOTE}, /* the byte first in the text */
        {"Work: teal | Zoom", 1u << DISC_PT, MODE_REMOTE},
        {"A zoom job \xe2\x80\xa2 purple", 1u << DISC_OT, MODE_UNKNOWN}, /* last bytes */
        {"zoom, purple, no bar or bullet", 0, MODE_UNKNOWN},
        {"a bullet \xe2\x80\xa2 then zoom |", 0, MODE_UNKNOWN},
    };
    struct err e;
    struct classifier *c;
    err_clear(&e);
    assert_int_equal(classify_open(path, &c, &e), URS_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct posting p;
        posting_init(&p);
        assert_int_equal(posting_set(&p.description, want[i].text), URS_OK);
        assert_int_equal(classify_posting(c, &p, &e), URS_OK);
        if (p.disciplines != want[i].disc || p.work_mode != want[i].mode)
            fail_msg("'%s': disciplines %#x, work mode %d", want[i].text, (unsigned)p.disciplines,
                     (int)p.work_mode);
        posting_free(&p);
    }
    classify_close(c);
    assert_int_equal(remove(path), 0);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- bad input: no crash, bounded time, nothing invented ---- */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void classify_text(const struct classifier *c, const char *title, const char *text,
                          struct posting *p)
{
    struct err e;
    err_clear(&e);
    posting_init(p);
    assert_int_equal(posting_set(&p->title, title), URS_OK);
    assert_int_equal(posting_set(&p->description, text), URS_OK);
    assert_int_equal(classify_posting(c, p, &e), URS_OK);
}

static void assert_nothing(const struct posting *p)
{
    assert_int_equal(p->disciplines, 0);
    assert_int_equal(p->work_mode, MODE_UNKNOWN);
    assert_int_equal(p->schedule, 0);
    assert_true(p->license_states == 0);
    assert_int_equal(p->salary.period, PERIOD_NONE);
    assert_false(p->ur_role);
}

static void test_bad_input(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    struct posting p;
    struct err e;
    /* nothing at all */
    posting_init(&p);
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_nothing(&p);
    assert_int_equal(p.role_family, ROLE_UNKNOWN);
    posting_free(&p);
    /* binary junk and invalid UTF-8 */
    char junk[70000];
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof junk - 1; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (char)((seed >> 16) % 255 + 1);
    }
    junk[sizeof junk - 1] = '\0';
    classify_text(c, "\xff\xfe\xc0", junk, &p);
    assert_int_equal(p.work_mode, MODE_UNKNOWN);
    posting_free(&p);
    /* every field at or over its limit at once: cut, never an error */
    char *huge = malloc(URS_MAX_DESCRIPTION + 1);
    assert_non_null(huge);
    memset(huge, 'x', URS_MAX_DESCRIPTION);
    huge[URS_MAX_DESCRIPTION] = '\0';
    posting_init(&p);
    assert_int_equal(posting_set(&p.title, huge), URS_OK);
    assert_int_equal(posting_set(&p.location, huge), URS_OK);
    assert_int_equal(posting_set(&p.description, huge), URS_OK);
    assert_int_equal(posting_set(&p.work_hint, huge), URS_OK);
    assert_int_equal(posting_set(&p.employment_hint, huge), URS_OK);
    assert_int_equal(posting_set(&p.url, huge), URS_OK);
    assert_int_equal(classify_posting(c, &p, &e), URS_OK);
    assert_nothing(&p);
    posting_free(&p);
    free(huge);
    /* HTML with no body, tags only */
    classify_text(c, "<html>", "<html><head><script>x</script></head></html>", &p);
    assert_nothing(&p);
    posting_free(&p);
    /* megabytes of text, dense with phrases: bounded time, and past the cap is ignored */
    size_t big = 3 * 1024 * 1024;
    char *text = malloc(big + 64);
    assert_non_null(text);
    static const char unit[] = "utilization review nurse remote $40 per hour licensed in TX; ";
    for (size_t at = 0; at + sizeof unit < big; at += sizeof unit - 1)
        memcpy(text + at, unit, sizeof unit);
    memcpy(text + CLASSIFY_MAX_TEXT + 100, "Occupational Therapist", 22);
    double t0 = seconds();
    classify_text(c, "Clinical Reviewer", text, &p);
    double took = seconds() - t0;
    print_message("3 MB of phrases classified in %.3f s\n", took);
    assert_true(took < 5.0);
    assert_int_equal(p.disciplines & (1u << DISC_OT), 0);
    assert_true(p.ur_role);
    assert_true(p.evidence_len <= URS_MAX_EVIDENCE);
    posting_free(&p);
    free(text);
    classify_close(c);
}

/* ---- threads: one shared classifier, two threads, same answers ---- */

struct worker {
    const struct classifier *c;
    int failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct posting p, q;
            struct err e;
            fill(&p, &cases[i]);
            fill(&q, &cases[i]);
            if (classify_posting(w->c, &p, &e) != URS_OK ||
                classify_posting(w->c, &q, &e) != URS_OK || p.disciplines != q.disciplines ||
                p.role_family != q.role_family || p.evidence_len != q.evidence_len ||
                p.ur_role != q.ur_role)
                w->failures++;
            posting_free(&p);
            posting_free(&q);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    struct worker w[2] = {{c, 0}, {c, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(w[0].failures + w[1].failures, 0);
    classify_close(c);
}

/* ---- the labelled sets: the targets of issue 3 ---- */

static void eval_set(const char *path)
{
    struct classifier *c = open_embedded();
    struct classify_eval *ev = NULL;
    struct classify_eval_scores sc;
    struct sbuf report, why;
    struct err e;
    err_clear(&e);
    sbuf_init(&report, 16 << 20);
    sbuf_init(&why, 4096);
    if (classify_eval_file(c, path, &ev, &e) != URS_OK)
        fail_msg("%s", e.msg);
    classify_eval_scores(ev, &sc);
    assert_int_equal(classify_eval_report(ev, true, &report), URS_OK);
    bool met = classify_eval_targets_met(&sc, &why);
    if (!met)
        print_message("%s", sbuf_str(&report));
    print_message("%s: %zu records; ur_role F1 %.3f, discipline %.3f, work mode %.3f, schedule "
                  "%.3f, licence %.3f, salary exact %.3f %s\n",
                  path, sc.records, sc.ur_role_f1, sc.discipline_f1, sc.work_mode_f1,
                  sc.schedule_f1, sc.license_f1, sc.salary_exact, sbuf_str(&why));
    assert_true(sc.records > 0);
    assert_true(met);
    sbuf_free(&report);
    sbuf_free(&why);
    classify_eval_free(ev);
    classify_close(c);
}

static void test_own_sets(void **state)
{
    (void)state;
    static const char *const sets[] = {
        "tests/fixtures/classifier/synthetic.jsonl", "tests/fixtures/classifier/synthetic2.jsonl",
        "tests/fixtures/classifier/synthetic3.jsonl", "tests/fixtures/classifier/synthetic4.jsonl"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        char *path = tu_path(tu_source_dir(), sets[i]);
        eval_set(path);
        free(path);
    }
}

static void test_eval_bad_file(void **state)
{
    (void)state;
    struct classifier *c = open_embedded();
    struct classify_eval *ev = NULL;
    struct err e;
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "bad.jsonl");
    tu_write_file(path,
                  "{\"id\": \"a\", \"text\": \"x\", \"labels\": {\"is_posting\": true, "
                  "\"role_family\": \"article\", \"work_mode\": \"unknown\"}}\nnot json\n",
                  (size_t)-1);
    err_clear(&e);
    assert_int_equal(classify_eval_file(c, path, &ev, &e), URS_EPARSE);
    assert_null(ev);
    assert_non_null(strstr(e.msg, ":1: labels: bad disciplines"));
    tu_write_file(path, "\n{\"id\": 1}\n", (size_t)-1);
    err_clear(&e);
    assert_int_equal(classify_eval_file(c, path, &ev, &e), URS_EPARSE);
    assert_non_null(strstr(e.msg, ":2: record needs"));
    free(path);
    tu_rmtree(dir);
    free(dir);
    classify_close(c);
}

/* ---- the commands, through the real binary ---- */

static char *fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/classifier/%s", name);
    return tu_path(tu_source_dir(), rel);
}

static void test_cli_classify(void **state)
{
    (void)state;
    struct tu_run r;
    char *page = fixture("posting-jsonld.html"), *html = fixture("posting-page.html");
    char *txt = fixture("posting.txt");
    tu_urscout(&r, NULL, "classify", page, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "work mode     remote"));
    assert_non_null(strstr(r.out, "schedule      part_time"));
    assert_non_null(strstr(r.out, "licence       OK,TX"));
    assert_non_null(strstr(r.out, "$41-49/hour"));
    assert_non_null(strstr(r.out, "UR role       yes"));
    assert_non_null(strstr(r.out, "\"TELECOMMUTE\""));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "classify", "--format", "json", html, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"role_family\": \"admin_other\""));
    assert_non_null(strstr(r.out, "\"evidence\""));
    assert_null(strstr(r.out, "\"remote\"")); /* the page's <script> text is not the posting */
    tu_run_free(&r);
    char *argv[] = {(char *)tu_urscout_bin(), "classify", "--trace", "-", NULL};
    tu_run(&r, NULL, txt, argv);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "licence       OH,COMPACT"));
    assert_non_null(strstr(r.out, "rules/role.rules:"));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "classify", "/no/such/file", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/no/such/file"));
    tu_run_free(&r);
    free(page);
    free(html);
    free(txt);
}

static void test_cli_eval(void **state)
{
    (void)state;
    struct tu_run r;
    char *set = fixture("synthetic2.jsonl");
    char *dir = tu_mkdtemp(), *rules = tu_path(dir, "weak.rules");
    tu_urscout(&r, NULL, "eval", "--check", set, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "ur_role      (yes)"));
    assert_non_null(strstr(r.out, "salary       exact"));
    assert_non_null(strstr(r.out, "misses (id, tag, expected, got, evidence):"));
    tu_run_free(&r);
    /* rules that know almost nothing miss the targets: --check fails, misses are listed */
    tu_write_file(rules, "[discipline RN]\ntitle 10 nurse*\n", (size_t)-1);
    tu_urscout(&r, NULL, "eval", "--check", "--rules", rules, set, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "MISSED"));
    assert_non_null(strstr(r.out, "t01      ur_role      expected yes"));
    tu_run_free(&r);
    free(rules);
    tu_rmtree(dir);
    free(dir);
    free(set);
}

static void test_cli_explain_reclassify(void **state)
{
    (void)state;
    struct tu_run r;
    char *set = fixture("synthetic.jsonl");
    char *dir = tu_mkdtemp(), *db = tu_path(dir, "u.db"), *rules = tu_path(dir, "r.rules");
    tu_urscout(&r, NULL, "--db", db, "import", set, NULL);
    assert_int_equal(r.status, 0);
    tu_run_free(&r);
    tu_urscout(&r, NULL, "--db", db, "explain", "1", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "as stored"));
    assert_non_null(strstr(r.out, "in context:"));
    assert_non_null(strstr(r.out, "[Remote]"));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "--db", db, "explain", "999", NULL);
    assert_int_equal(r.status, 1);
    tu_run_free(&r);
    /* the same rules: nothing changes */
    tu_urscout(&r, NULL, "--db", db, "reclassify", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "reclassified 30 postings: 0 with new tags"));
    tu_run_free(&r);
    /* rules that only know one phrase: the UR roles go, and the change is saved */
    tu_write_file(rules, "[role clinical_other]\ntitle 1 nothing matches this\n", (size_t)-1);
    tu_urscout(&r, NULL, "--db", db, "reclassify", "--dry-run", "--rules", rules, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "checked 30 postings"));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "--db", db, "reclassify", "--rules", rules, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "UR roles 15 -> 0"));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "--db", db, "explain", "1", NULL);
    assert_non_null(strstr(r.out, "UR role       no"));
    tu_run_free(&r);
    tu_urscout(&r, NULL, "--db", db, "explain", "--fresh", "1", NULL);
    assert_non_null(strstr(r.out, "UR role       yes"));
    assert_non_null(strstr(r.out, "not saved"));
    tu_run_free(&r);
    free(rules);
    free(db);
    tu_rmtree(dir);
    free(dir);
    free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_evidence_per_tag),
        cmocka_unit_test(test_structured_salary),
        cmocka_unit_test(test_rules_errors),
        cmocka_unit_test(test_rules_file_and_folder),
        cmocka_unit_test(test_regex_first_byte),
        cmocka_unit_test(test_many_states),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_own_sets),
        cmocka_unit_test(test_eval_bad_file),
        cmocka_unit_test(test_cli_classify),
        cmocka_unit_test(test_cli_eval),
        cmocka_unit_test(test_cli_explain_reclassify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
