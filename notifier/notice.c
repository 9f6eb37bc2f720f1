/* SPDX-License-Identifier: MIT */
/* Notices: one plain-text mail to one subscriber (a sign-up confirmation), through the outbox. */
#include <stdio.h>
#include <string.h>

#include "common/sbuf.h"
#include "config/config.h"
#include "notifier/notifier_int.h"

#define NOTICE_BODY_MAX (16 * 1024) /* bytes of a notice's text: a few paragraphs and a link */

static int assemble(const struct config *cfg, const struct db_subscriber *sub,
                    const char *subject, const char *body, const char *message_id, int64_t now,
                    struct sbuf *out)
{
    char date[48];
    notify_date_rfc5322(now, date, sizeof date);
    int rc = notify_header_address(out, "From", cfg->from_name, cfg->from);
    if (rc == URS_OK)
        rc = notify_header_address(out, "To", sub->name, sub->email);
    if (rc == URS_OK)
        rc = notify_header_text(out, "Subject", subject);
    if (rc == URS_OK)
        rc = notify_header_raw(out, "Date", date);
    if (rc == URS_OK)
        rc = notify_header_raw(out, "Message-ID", message_id);
    if (rc == URS_OK)
        rc = notify_header_raw(out, "MIME-Version", "1.0");
    /* a reply to the confirmation of a sign-up someone else made must not loop */
    if (rc == URS_OK)
        rc = notify_header_raw(out, "Auto-Submitted", "auto-generated");
    if (rc == URS_OK)
        rc = sbuf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    if (rc == URS_OK)
        rc = notify_qp_encode(out, body, strlen(body));
    return rc;
}

int notify_notice(struct db *db, const struct config *cfg, const struct db_subscriber *sub,
                  const char *subject, const char *body, int64_t now, int64_t *outbox_id,
                  struct err *e)
{
    *outbox_id = 0;
    if (notify_check_config(cfg, e) != URS_OK)
        return URS_EINVAL;
    if (!sub || sub->id <= 0 || notify_email_check(sub->email, e) != URS_OK)
        return err_set(e, URS_EINVAL, "notice: no valid recipient");
    if (!subject || !body || strlen(subject) > NOTIFY_SUBJECT_MAX ||
        strlen(body) > NOTICE_BODY_MAX)
        return err_set(e, URS_ELIMIT, "notice for subscriber %lld: subject or body too long",
                       (long long)sub->id);
    char hexs[33], message_id[160];
    if (notify_random_hex(hexs, e) != URS_OK)
        return URS_EIO;
    (void)snprintf(message_id, sizeof message_id, "<urscout.notice.%.16s.%lld@%s>", hexs,
                   (long long)sub->id, notify_addr_domain(cfg->from));
    struct sbuf msg;
    sbuf_init(&msg, NOTICE_BODY_MAX * 4);
    int rc = assemble(cfg, sub, subject, body, message_id, now, &msg);
    if (rc != URS_OK) {
        sbuf_free(&msg);
        return err_set(e, rc, "notice for subscriber %lld: cannot build the message: %s",
                       (long long)sub->id, err_name(rc));
    }
    rc = db_notice_queue(db, sub->id, sub->email, message_id, subject, msg.data, msg.len, now,
                         outbox_id, e);
    sbuf_free(&msg);
    return rc;
}
