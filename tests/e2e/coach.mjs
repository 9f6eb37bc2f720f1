// SPDX-License-Identifier: MIT
// The coach desk in a real browser (Debian chromium, headless, via playwright-core): a coach
// signs in, pins a posting with a note, previews the cohort digest and sees the pin first,
// sends it (Maildir); another coach gets 403 on that cohort; a wrong password fails and
// repeated failures lock. Screenshots go to $ARTIFACTS.
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
const ANA_PW = 'correct horse battery';
const BEN_PW = 'bens own long password';

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

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'urscout-coach-e2e-'));
const maildir = path.join(tmp, 'Maildir');
const env = { ...process.env, URSCOUT_HMAC_KEY: KEY };

function urscout(args, input) {
    return execFileSync(URSCOUT, ['--config', path.join(tmp, 'urscout.ini'), ...args],
                        { env, encoding: 'utf8', input });
}

function unqp(s) {
    return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g,
                                            (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function messages() {
    const dir = path.join(maildir, 'new');
    if (!fs.existsSync(dir))
        return [];
    return fs.readdirSync(dir).sort().map((f) => unqp(fs.readFileSync(path.join(dir, f), 'utf8')));
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

async function signIn(page, base, login, pw) {
    await page.goto(`${base}/coach/login`);
    await page.fill('input[name=login]', login);
    await page.fill('input[name=password]', pw);
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return resp;
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
    urscout(['import', path.join(FIXTURES, 'postings.jsonl')]);
    urscout(['subscriber', 'add', 'stu@example.org']);
    urscout(['coach', 'add', 'Ana', '--email', 'ana@example.org']);
    urscout(['coach', 'add', 'Ben', '--email', 'ben@example.org']);
    urscout(['coach', 'passwd', 'ana@example.org'], `${ANA_PW}\n`);
    urscout(['coach', 'passwd', 'Ben'], `${BEN_PW}\n`);
    urscout(['cohort', 'add', 'Spring PT cohort', '--coach', 'Ana']);
    urscout(['cohort', 'join', 'Spring PT cohort', 'stu@example.org']);
    check(!fs.readFileSync(path.join(tmp, 'urscout.db')).includes(ANA_PW),
          'the password is not in the database file');

    const server = await startServer(port);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                            args: ['--no-sandbox'] });
    try {
        const ana = await browser.newContext({ viewport: { width: 360, height: 800 } });
        const page = await ana.newPage();
        let resp = await signIn(page, base, 'Ana', 'not the password!');
        check(resp.status() === 403, 'a wrong password is refused (403)');
        check((await page.textContent('main')).includes('Wrong name or password'),
              'and the page says so');
        await page.screenshot({ path: path.join(ARTIFACTS, 'coach-login-refused-360.png'),
                                fullPage: true });
        resp = await signIn(page, base, 'Ana', ANA_PW);
        check(resp.status() === 200 && page.url() === `${base}/coach`,
              'the right password opens the desk');
        const cookies = await ana.cookies();
        const c = cookies.find((k) => k.name === 'urs_coach');
        check(c && c.httpOnly && c.secure && c.sameSite === 'Strict' && c.path === '/coach',
              'the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/coach');
        check(resp.headers()['cache-control'] === 'no-store', 'the desk is no-store');
        await Promise.all([page.waitForNavigation(), page.click('text=Spring PT cohort')]);
        const cohortUrl = page.url();
        check(/\/coach\/c\/\d+$/.test(cohortUrl), 'the cohort page opens');

        // search, then pin the OT posting with a note
        await page.fill('input[name=q]', 'occupational');
        await Promise.all([page.waitForNavigation(), page.click('form.search button')]);
        const item = page.locator('ul.jobs li', { hasText: 'Occupational Therapist' }).last();
        await item.locator('input[name=note]').fill('Ask me about this one <3');
        await Promise.all([page.waitForNavigation(),
                           item.locator('button', { hasText: 'Pin' }).click()]);
        check(page.url() === cohortUrl, 'pinning comes back to the cohort page');
        check((await page.textContent('main')).includes('Ask me about this one <3'),
              'the pin shows with its note');
        await page.screenshot({ path: path.join(ARTIFACTS, 'coach-desk-360.png'), fullPage: true });
        await page.setViewportSize({ width: 1024, height: 800 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'coach-desk.png'), fullPage: true });

        // preview: the pin comes first, styled as the member's mail client shows it
        const [previewResp] = await Promise.all([page.waitForNavigation(),
                                                 page.click('text=Preview the monthly digest')]);
        const csp = (previewResp && previewResp.headers()['content-security-policy']) || '';
        check(csp.includes("style-src 'unsafe-inline'") && !csp.includes('script-src'),
              'the preview allows the digest\'s inline styles and nothing more');
        const width = await page.evaluate(() =>
            getComputedStyle(document.querySelector('body > div')).maxWidth);
        check(width === '600px', `the digest's own layout applies (max-width ${width})`);
        const text = await page.textContent('body');
        const pin = text.indexOf('Occupational Therapist');
        const other = text.indexOf('Physical Therapist');
        check(pin >= 0 && other >= 0 && pin < other, 'the preview shows the pin first');
        check(text.includes('Ask me about this one <3'), 'with the note');
        await page.screenshot({ path: path.join(ARTIFACTS, 'coach-digest-preview.png'),
                                fullPage: true });
        await page.setViewportSize({ width: 360, height: 800 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'coach-digest-preview-360.png'),
                                fullPage: true });

        // send
        await page.goto(cohortUrl);
        await Promise.all([page.waitForNavigation(),
                           page.click('button:has-text("digest now")')]);
        check((await page.textContent('main')).includes('Sent: 1 digest'), 'sending says so');
        const mail = messages();
        check(mail.length === 1 && /^To: .*stu@example.org/m.test(mail[0]),
              'the member got the digest in the Maildir');
        check(mail[0].indexOf('Occupational Therapist') < mail[0].indexOf('Physical Therapist'),
              'with the pin first');

        // another coach: 403 on Ana's cohort
        const ben = await browser.newContext();
        const bpage = await ben.newPage();
        resp = await signIn(bpage, base, 'ben@example.org', BEN_PW);
        check(resp.status() === 200, 'Ben signs in');
        check(!(await bpage.textContent('main')).includes('Spring PT cohort'),
              "Ben's desk does not list Ana's cohort");
        resp = await bpage.goto(cohortUrl);
        check(resp.status() === 403, "Ben gets 403 on Ana's cohort");
        resp = await bpage.goto(`${cohortUrl}/preview`);
        check(resp.status() === 403, "and on its preview");

        // a form without its CSRF token: 403
        const r = await fetch(cohortUrl, { method: 'POST', body: 'action=clear&posting=1',
                                           headers: { 'content-type':
                                                      'application/x-www-form-urlencoded',
                                                      cookie: `urs_coach=${c.value}` } });
        check(r.status === 403, 'a change without its CSRF token is 403');

        // lockout after repeated failures
        const mallory = await browser.newContext();
        const mpage = await mallory.newPage();
        let last;
        for (let i = 0; i < 5; i++)
            last = await signIn(mpage, base, 'Ben', `guess number ${i}!`);
        check(last.status() === 429, 'five wrong passwords lock the sign-in (429)');
        last = await signIn(mpage, base, 'Ben', BEN_PW);
        check(last.status() === 429 &&
              (await mpage.textContent('main')).includes('Too many failed sign-ins'),
              'while locked even the right password is refused, and the page says why');
        await mpage.screenshot({ path: path.join(ARTIFACTS, 'coach-login-locked.png'),
                                 fullPage: true });

        // sign out
        await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
        check(page.url() === `${base}/coach/login`, 'signing out goes to the sign-in page');
        resp = await page.goto(cohortUrl);
        check(page.url() === `${base}/coach/login`, 'and the old session opens nothing');
    } finally {
        await browser.close();
        server.child.kill('SIGTERM');
        await new Promise((r) => server.child.once('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
    console.error(`not ok - ${err.stack || err}`);
    console.error(`(work directory kept: ${tmp})`);
    process.exit(1);
});
