// SPDX-License-Identifier: MIT
// The subscriber's pages in a real browser (Debian chromium, headless, via playwright-core):
// sign up -> confirm from the Maildir -> digest -> preferences -> the next digest follows
// them -> one-click unsubscribe; a forged
// link gives 404, a form without its CSRF token 403; 200 idle connections do not starve a
// normal request. Screenshots go to $ARTIFACTS.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const URSCOUT = process.env.URSCOUT;
const ARTIFACTS = process.env.ARTIFACTS;
const FIXTURES = process.env.FIXTURES;
const KEY = 'e2e-hmac-key-0123456789abcdef!!!';
const EMAIL = 'dana@example.org';

function check(cond, what) {
    if (!cond)
        throw new Error(`check failed: ${what}`);
    console.log(`ok - ${what}`);
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'urscout-e2e-'));
const maildir = path.join(tmp, 'Maildir');
const env = { ...process.env, URSCOUT_HMAC_KEY: KEY };

function urscout(...args) {
    return execFileSync(URSCOUT, ['--config', path.join(tmp, 'urscout.ini'), ...args],
                        { env, encoding: 'utf8' });
}

// Quoted-printable soft breaks and escapes, enough to read the links of a digest.
function unqp(s) {
    return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g,
                                            (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function messages() {
    const dir = path.join(maildir, 'new');
    return fs.readdirSync(dir).sort().map((f) => unqp(fs.readFileSync(path.join(dir, f), 'utf8')));
}

function link(msg, kind) {
    const m = msg.match(new RegExp(`https?://[^\\s"<>]+/${kind}/[A-Za-z0-9._-]+`));
    if (!m)
        throw new Error(`no /${kind}/ link in the digest`);
    return m[0];
}

function startServer(port) {
    const child = spawn(URSCOUT, ['--config', path.join(tmp, 'urscout.ini'), 'web', '--port',
                                  String(port), '--timeout', '3000'],
                        { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d) => { log += d; });
    return new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`urscout web exited ${code}: ${log}`)));
        child.stdout.once('data', () => resolve({ child, log: () => log }));
    });
}

async function idleConnections(port, n) {
    const socks = [];
    for (let i = 0; i < n; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        s.write('G');
        socks.push(s);
    }
    return socks;
}

async function main() {
    for (const v of ['URSCOUT', 'ARTIFACTS', 'FIXTURES'])
        if (!process.env[v])
            throw new Error(`${v} is not set`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    fs.writeFileSync(path.join(tmp, 'urscout.ini'),
                     `[general]\ndatabase = ${tmp}/urscout.db\nbundled_sources = false\n` +
                     `[delivery]\nfrom = digest@urscout.example.org\nfrom_name = UR Jobs\n` +
                     `postal_address = urscout Inc, 100 Main St, Springfield, IL\n` +
                     `maildir = ${maildir}\n[web]\nbase_url = ${base}\nlisten = 127.0.0.1\n`);
    urscout('import', path.join(FIXTURES, 'postings.jsonl'));

    const server = await startServer(port);
    let prefs = '';
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                            args: ['--no-sandbox'] });
    try {
        const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
        // sign up in the browser: the address and the filters, no JavaScript needed
        let resp = await page.goto(`${base}/signup`);
        check(resp.status() === 200, 'the sign-up page opens');
        await page.fill('input[name=email]', EMAIL);
        await page.check('input[name=discipline][value=PT]');
        await page.selectOption('select[name=frequency]', 'daily');
        await page.screenshot({ path: path.join(ARTIFACTS, 'signup-360.png'), fullPage: true });
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        check((await page.textContent('main')).includes('Check your mail'),
              'signing up says a confirmation mail is on its way');
        check(urscout('subscriber', 'show', EMAIL).includes('status:       pending'),
              'the subscriber is pending until confirmed');
        urscout('digest', 'send', '--all');
        let mail = [];
        for (let i = 0; i < 100 && mail.length === 0; i++) {
            await new Promise((r) => setTimeout(r, 100));
            mail = messages();
        }
        check(mail.length === 1 && mail[0].includes('Subject: Confirm your UR Jobs digest'),
              'the confirmation mail, and no digest, reached the Maildir');
        resp = await page.goto(link(mail[0], 'c'));
        check(resp.status() === 200, 'the confirmation link opens a page with a button');
        check(urscout('subscriber', 'show', EMAIL).includes('status:       pending'),
              'opening it changes nothing (mail scanners open links)');
        await page.screenshot({ path: path.join(ARTIFACTS, 'confirm-360.png'), fullPage: true });
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        check((await page.textContent('main')).includes('Confirmed'), 'pressing it confirms');
        check(urscout('subscriber', 'show', EMAIL).includes('status:       active'),
              'the subscriber is active');

        urscout('digest', 'send', '--all');
        mail = messages().filter((m) => !m.includes('Subject: Confirm your'));
        check(mail.length === 1, 'the first digest is in the Maildir');
        check(mail[0].includes('Physical Therapist') && !mail[0].includes('Occupational Therapist'),
              'it follows the PT filter chosen at sign-up');
        check(!/reply to\s+this email/.test(mail[0]), 'no "reply to this email" in the footer');
        prefs = link(mail[0], 'p');

        resp = await page.goto(prefs);
        check(resp.status() === 200, 'the preferences link from the digest opens the page');
        check(resp.headers()['content-security-policy'].includes("default-src 'none'"),
              'the page carries a CSP');
        check(resp.headers()['cache-control'] === 'no-store', 'personal page: no-store');
        await page.screenshot({ path: path.join(ARTIFACTS, 'preferences-360.png'),
                                fullPage: true });
        await page.uncheck('input[name=discipline][value=PT]');
        await page.check('input[name=discipline][value=OT]');
        await page.fill('input[name=keywords]', 'utilization review');
        await Promise.all([page.waitForNavigation(), page.click('button[value=save]')]);
        check((await page.textContent('main')).includes('Saved.'), 'saving says so');
        check(await page.isChecked('input[name=discipline][value=OT]'), 'OT is now ticked');
        await page.setViewportSize({ width: 1024, height: 800 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'preferences-saved.png'),
                                fullPage: true });

        // a form posted without its CSRF token: 403, nothing changed
        const before = urscout('subscriber', 'show', EMAIL);
        let r = await fetch(prefs, { method: 'POST', body: 'discipline=RN&frequency=weekly' +
                                     '&hour=7&tz=UTC&min_salary=0',
                                     headers: { 'content-type':
                                                'application/x-www-form-urlencoded' } });
        check(r.status === 403, 'a POST without the CSRF token is refused with 403');
        check(urscout('subscriber', 'show', EMAIL) === before, 'and changes nothing');

        // a forged link: 404 with a page that says what to do
        const forged = prefs.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
        resp = await page.goto(forged);
        check(resp.status() === 404, 'a forged preferences link gives 404');
        check((await page.textContent('main')).includes('Use the links in your latest digest'),
              'the 404 page says what to do');

        // the next digest follows the new preferences; preview it as the subscriber will see it
        urscout('digest', 'preview', EMAIL, '--html', path.join(tmp, 'preview.html'));
        const preview = await browser.newPage({ viewport: { width: 600, height: 900 } });
        await preview.goto('file://' + path.join(tmp, 'preview.html'));
        await preview.screenshot({ path: path.join(ARTIFACTS, 'digest-preview.png'),
                                   fullPage: true });
        await preview.close();
        urscout('digest', 'send', '--all');
        mail = messages().filter((m) => !m.includes('Subject: Confirm your'));
        check(mail.length === 2, 'a second digest went out');
        check(mail[1].includes('Occupational Therapist') && !mail[1].includes('Northwind'),
              'the second digest follows the new OT filter');

        // 200 idle connections do not starve a normal request
        const socks = await idleConnections(port, 200);
        const t0 = Date.now();
        r = await fetch(`${base}/style.css`);
        const took = Date.now() - t0;
        check(r.status === 200 && took < 1000,
              `with 200 idle connections a request is answered in ${took} ms`);
        socks.forEach((s) => s.destroy());

        // one-click unsubscribe from the latest digest, in the browser
        const unsub = link(mail[1], 'u');
        resp = await page.goto(unsub);
        check(resp.status() === 200, 'the unsubscribe link shows its page');
        check(urscout('subscriber', 'show', EMAIL).includes('status:       active'),
              'opening it changes nothing');
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        check((await page.textContent('main')).includes('You are unsubscribed'),
              'the button unsubscribes');
        check(urscout('subscriber', 'show', EMAIL).includes('status:       unsubscribed'),
              'and it is stored');
        r = await fetch(unsub, { method: 'POST', body: 'List-Unsubscribe=One-Click',
                                 headers: { 'content-type':
                                            'application/x-www-form-urlencoded' } });
        check(r.status === 200, 'the RFC 8058 one-click POST answers 200 (repeated)');
    } finally {
        await browser.close();
        server.child.kill('SIGTERM');
        await new Promise((r) => server.child.once('exit', r));
        fs.writeFileSync(path.join(tmp, 'web.log'), server.log());
    }
    check(prefs && !server.log().includes(prefs.split('/p/')[1]), 'the log never shows a token');
    fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
    console.error(`not ok - ${err.stack || err}`);
    console.error(`(work directory kept: ${tmp})`);
    process.exit(1);
});
