#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A real SMTP server for the notifier tests (aiosmtpd), on 127.0.0.1 and a random port.
#
# Every message it accepts is written to DIR as msg-NNNN.eml (the bytes received) and
# msg-NNNN.json (what Python's email package makes of it: headers, decoded parts, line
# lengths, encoded-word lengths, the HTML part's tags, attributes and links). Every protocol
# event goes to DIR/events.jsonl. Faults on demand: 421 at the greeting, 4xx/5xx to DATA,
# 550 to some recipients, a connection dropped in the middle of DATA or after the final dot,
# STARTTLS with a given certificate, AUTH required. A flaky server: --drop-every N hangs up on
# every Nth connection before the greeting, --fail-rate P answers 451 to MAIL, RCPT or DATA
# with probability P each (seeded by --seed, so a run can be replayed).
#
# Run with Debian's /usr/bin/python3 (python3-aiosmtpd). Writes the port to --port-file once
# it listens; stops on SIGTERM.

import argparse
import asyncio
import email
import email.policy
import html.parser
import json
import os
import random
import re
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")


class State:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.data_fail_left = args.data_fail_times
        self.drop_mid_data_left = args.drop_mid_data
        self.drop_after_dot_left = args.drop_after_dot
        self.connections = 0
        self.rng = random.Random(args.seed)

    def flaky(self, where):
        """True when this command gets a random 451 (--fail-rate)."""
        if self.args.fail_rate > 0 and self.rng.random() < self.args.fail_rate:
            self.log(where, result="451 at random")
            return True
        return False

    def log(self, event, **fields):
        fields["event"] = event
        with open(os.path.join(self.args.dir, "events.jsonl"), "a") as f:
            f.write(json.dumps(fields) + "\n")


class HtmlFacts(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.hrefs, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append(name)
            if name in ("href", "src", "action", "background"):
                self.hrefs.append(value or "")

    def handle_data(self, data):
        self.text.append(data)


def summarise(raw, envelope, session):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    head_lines = head.replace(b"\r\n", b"\n").split(b"\n")
    words = ENCODED_WORD.findall(head)
    out = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "tls": session.ssl is not None,
        "auth": bool(session.authenticated),
        "header_names": [k for k, _ in msg.items()],
        "headers": {k.lower(): str(v) for k, v in msg.items()},
        "message_id": str(msg.get("Message-ID", "")),
        "subject": str(msg.get("Subject", "")),
        "defects": [repr(d) for d in msg.defects],
        "content_type": msg.get_content_type(),
        "max_header_line": max(len(x) for x in head_lines),
        "max_line": max(len(x) for x in lines),
        "max_encoded_word": max((len(w) for w in words), default=0),
        "encoded_words": len(words),
        "eight_bit": any(b > 127 for b in raw),
        "parts": [],
    }
    for part in msg.walk():
        out["defects"] += [repr(d) for d in part.defects]
        if part.is_multipart():
            continue
        info = {
            "type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "cte": str(part.get("Content-Transfer-Encoding", "")),
            "text": part.get_content().replace("\r\n", "\n"),  # line ends as text
        }
        if info["type"] == "text/html":
            facts = HtmlFacts()
            facts.feed(info["text"])
            facts.close()
            out["html"] = {"tags": facts.tags, "attrs": facts.attrs, "hrefs": facts.hrefs,
                           "text": "".join(facts.text)}
        out["parts"].append(info)
    return out


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.state.log("EHLO", tls=session.ssl is not None)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.state.flaky("MAIL"):
            return "451 4.3.0 Busy, try again later"
        self.state.log("MAIL", address=address, tls=session.ssl is not None,
                       auth=bool(session.authenticated))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        a = self.state.args
        if self.state.flaky("RCPT"):
            return "451 4.3.0 Busy, try again later"
        if a.rcpt_fail_match and a.rcpt_fail_match in address:
            self.state.log("RCPT", address=address, refused=True)
            return a.rcpt_fail
        self.state.log("RCPT", address=address, refused=False)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def save(self, envelope, session):
        st = self.state
        st.count += 1
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        base = os.path.join(st.args.dir, "msg-%04d" % st.count)
        write_atomic(base + ".eml", raw)
        write_atomic(base + ".json", json.dumps(summarise(raw, envelope, session)).encode())
        return st.count

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        if st.data_fail_left > 0:
            st.data_fail_left -= 1
            st.log("DATA", result=st.args.data_fail)
            return st.args.data_fail
        if st.flaky("DATA"):
            return "451 4.3.0 Queue busy, try again later"
        n = self.save(envelope, session)
        if st.drop_after_dot_left > 0:
            st.drop_after_dot_left -= 1
            st.log("DATA", result="dropped after the final dot", saved=n)
            server.transport.abort()
            return "250 never seen"
        st.log("DATA", result="250", saved=n)
        return "250 2.0.0 OK queued as %d" % n


class SinkSMTP(SMTP):
    state = None

    def connection_made(self, transport):
        st = self.state
        st.connections += 1
        if st.args.drop_every > 0 and st.connections % st.args.drop_every == 0:
            st.log("CONNECT", result="dropped before the greeting", n=st.connections)
            self.dropped = True
            transport.abort()
            return
        st.log("CONNECT", n=st.connections)
        super().connection_made(transport)

    def connection_lost(self, error):
        if getattr(self, "dropped", False):
            return  # the session never started
        super().connection_lost(error)

    async def smtp_DATA(self, arg):
        st = self.state
        if st.drop_mid_data_left > 0 and self.envelope.rcpt_tos:
            st.drop_mid_data_left -= 1
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await self._reader.readuntil(b"\r\n")
            st.log("DATA", result="dropped mid-data")
            self.transport.abort()
            self._reader._buffer.clear()  # the rest of the message is not read as commands
            self._handler_coroutine.cancel()
            return
        await super().smtp_DATA(arg)


class Refuser(asyncio.Protocol):
    """Answers the greeting with a fixed code and hangs up."""
    state = None

    def connection_made(self, transport):
        self.state.log("CONNECT")
        self.state.log("GREETING", result=self.state.args.greeting)
        transport.write((self.state.args.greeting + "\r\n").encode())
        transport.close()


def make_authenticator(state):
    user, _, password = state.args.auth.partition(":")

    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        state.log("AUTH", mechanism=mechanism, ok=ok, tls=session.ssl is not None)
        return AuthResult(success=ok, handled=False)
    return check


def factory(state):
    a = state.args
    if a.greeting:
        Refuser.state = state
        return Refuser
    SinkSMTP.state = state
    kwargs = {"hostname": "localhost", "ident": "urscout test sink"}
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = a.require_tls
    if a.auth:
        kwargs["authenticator"] = make_authenticator(state)
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True
    handler = Handler(state)
    return lambda: SinkSMTP(handler, **kwargs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth", help="USER:PASSWORD; AUTH then required (over TLS)")
    p.add_argument("--greeting", help="answer every connection with this and hang up")
    p.add_argument("--data-fail", default="451 4.3.0 Try again later")
    p.add_argument("--data-fail-times", type=int, default=0)
    p.add_argument("--rcpt-fail-match")
    p.add_argument("--rcpt-fail", default="550 5.1.1 No such user here")
    p.add_argument("--drop-mid-data", type=int, default=0)
    p.add_argument("--drop-after-dot", type=int, default=0)
    p.add_argument("--drop-every", type=int, default=0)
    p.add_argument("--fail-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if os.environ.get("URS_SINK_DEBUG"):
        import logging
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    state = State(args)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory(state), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    write_atomic(args.port_file, str(port).encode())
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    loop.run_forever()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
