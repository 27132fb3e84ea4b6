// The generated Sensor Demo app in headless Chromium against the real tapmqd and a Tap: the spec's
// vectors in the page, connecting, Count rising, a Period write changing its speed, LEDConfig
// changing LEDStatus, a refused write explained, an alarm, the fleet, a wrong netkey and a right one
// (sealing interoperating with the Tap), a wrong profile password, the Tap killed, the 390 px layout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as H from './harness.mjs';

const SERIAL = 'IoTzPr0041';
const SEALED = 'IoTzPr0042';
const NETKEY = 'right-netkey';
let broker; let site; let tap; let sealedTap; let browser;

before(async () => {
  const appDir = H.generateApp(new URL('../../src/tap/projects/sensor_demo.json', import.meta.url).pathname, H.tempDir('app'));
  broker = await H.startBroker({ httpDir: appDir });
  site = { url: broker.appUrl };
  tap = await H.startTap(broker, { serial: SERIAL });
  sealedTap = await H.startTap(broker, { serial: SEALED, netkey: NETKEY });
  browser = await H.launchBrowser();
});

after(async () => {
  await browser?.close();
  await tap?.stop();
  await sealedTap?.stop();
  await broker?.stop();
});

async function newPage(viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

async function connect(page, { serial = SERIAL, profile = 'supervisor', password = profile, netkey = '' } = {}) {
  await page.goto(`${site.url}#/connect`);
  await page.fill('#f-url', broker.url);
  await page.fill('#f-serial', serial);
  await page.fill('#f-netkey', netkey);
  await page.selectOption('#f-profile', profile);
  if (profile !== 'anonymous') await page.fill('#f-profilePassword', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.dashboard');
}

const number = async (page, name) => Number((await page.textContent(`output[data-var="${name}"]`)).replace(/[^0-9.-]/g, ''));
async function waitNumber(page, name, pred, what, timeout = 15000) {
  await page.waitForFunction(([n, src]) => {
    const t = document.querySelector(`output[data-var="${n}"]`)?.textContent ?? '';
    const x = Number(t.replace(/[^0-9.-]/g, ''));
    return t !== '–' && t !== '' && (0, eval)(`(${src})`)(x);
  }, [name, pred.toString()], { timeout }).catch((e) => { throw new Error(`${name}: ${what}: ${e.message}`); });
  return number(page, name);
}
const shot = (page, name) => page.screenshot({ path: join(H.ARTIFACTS, `${name}.png`), fullPage: true });

// Count increments over `ms` of the page's own updates.
async function rate(page, ms) {
  const a = await number(page, 'Count');
  const t0 = Date.now();
  await page.waitForTimeout(ms); // a measurement window, not a wait for an event
  const b = await number(page, 'Count');
  return (b - a) / ((Date.now() - t0) / 1000);
}

async function write(page, name, value, expect) {
  await page.fill(`[data-control="${name}"]`, String(value));
  await page.click(`button[aria-label="Set ${name}"]`);
  await page.waitForFunction(([n, e]) => document.querySelector(`[data-feedback="${n}"]`)?.textContent.includes(e), [name, expect], { timeout: 10000 })
    .catch(async () => { throw new Error(`${name} feedback: ${await page.textContent(`[data-feedback="${name}"]`)}`); });
}

test('the spec test vectors pass in the page (APDU, password hash, netkey keys, sealed frames)', async () => {
  const page = await newPage();
  await page.goto(`${site.url}#/selftest`);
  await page.waitForSelector('ul.selftest[data-done]');
  const results = await page.evaluate(() => window.tapmqSelfTest());
  assert.equal(results.length, 9);
  for (const r of results) assert.ok(r.ok, `${r.name}: got ${r.got}, want ${r.want}`);
  assert.equal(await page.getAttribute('ul.selftest', 'data-done'), 'pass');
  await page.close();
});

test('connects, shows Count rising, and a Period write changes how fast it rises', async () => {
  const page = await newPage();
  await page.goto(`${site.url}#/connect`);
  assert.equal(await page.inputValue('#f-url'), broker.url, 'the default broker is the server the page came from');
  await connect(page);
  // The dashboard may appear before the profile login's answer: wait for the supervisor's one.
  await page.waitForSelector('[data-profile="supervisor"]', { timeout: 15000 });
  const first = await waitNumber(page, 'Count', (x) => x >= 0, 'a first value');
  await waitNumber(page, 'Count', new Function('x', `return x > ${first}`), 'rising');
  await write(page, 'Period', 1000, 'Period is now 1000 ms');
  const slow = await rate(page, 3000);
  await write(page, 'Period', 50, 'Period is now 50 ms');
  const fast = await rate(page, 3000);
  assert.ok(slow <= 2, `Count rose ${slow}/s at Period 1000`);
  assert.ok(fast >= 8, `Count rose ${fast}/s at Period 50`);
  await shot(page, 'desktop-dashboard');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('LEDConfig changes LEDStatus, and the change alarm appears with a badge', async () => {
  const page = await newPage();
  await connect(page);
  await page.selectOption('[data-control="LEDConfig"]', '1');
  await page.waitForFunction(() => document.querySelector('[data-feedback="LEDConfig"]')?.textContent.includes('LEDConfig is now on'));
  await page.waitForFunction(() => document.querySelector('output[data-var="LEDStatus"]')?.textContent === 'on', null, { timeout: 10000 });
  await page.selectOption('[data-control="LEDConfig"]', '0');
  await page.waitForFunction(() => document.querySelector('output[data-var="LEDStatus"]')?.textContent === 'off', null, { timeout: 10000 });
  await page.waitForSelector('#alarm-badge:not([hidden])', { timeout: 15000 });
  assert.ok(Number(await page.textContent('#alarm-badge')) >= 1);
  await page.click('#nav a[data-route="alarms"]');
  await page.waitForSelector('li.alarm[data-alarm="LEDConfig_changed"]');
  assert.match(await page.textContent('li.alarm[data-alarm="LEDConfig_changed"]'), /changed/);
  assert.equal(await page.isHidden('#alarm-badge'), true, 'the badge clears once the alarms are seen');
  await shot(page, 'alarms');
  await page.close();
});

test('a write the Tap refuses says why', async () => {
  const page = await newPage();
  await connect(page);
  await page.waitForSelector('[data-control="Period"]');
  // the app checks min/max before sending; widen them in the page so the Tap's own check answers
  await page.evaluate(() => { window.tapmqSession.varsByName.get('Period').max = 100000; });
  await write(page, 'Period', 70000, '0x80 Bad Request');
  assert.match(await page.textContent('[data-feedback="Period"]'), /Write refused/);
  await page.close();
});

test('a wrong profile password is reported, and the anonymous dashboard shown', async () => {
  const page = await newPage();
  await connect(page, { profile: 'supervisor', password: 'not-it' });
  await page.waitForSelector('[data-banner="login"]');
  assert.match(await page.textContent('[data-banner="login"]'), /Login as supervisor failed \(0x81 Unauthorized/);
  await page.waitForSelector('[data-profile="anonymous"]');
  assert.equal(await page.$('[data-bundle="Count_Control"]'), null);
  await page.close();
});

test('the fleet page lists the Taps online and opens one', async () => {
  const page = await newPage();
  await connect(page);
  await page.click('#nav a[data-route="fleet"]');
  await page.waitForSelector(`tr[data-serial="${SEALED}"]`);
  assert.match(await page.textContent(`tr[data-serial="${SERIAL}"]`), /online/);
  await page.click(`tr[data-serial="${SERIAL}"] button`);
  await page.waitForSelector('.dashboard');
  await waitNumber(page, 'Count', (x) => x >= 0, 'a value after opening from the fleet');
  await page.close();
});

test('a wrong netkey is named; the right one works end to end (sealed both ways)', async () => {
  const page = await newPage();
  await connect(page, { serial: SEALED, netkey: 'wrong-netkey' });
  await page.waitForSelector('[data-banner="netkey"]', { timeout: 15000 });
  assert.match(await page.textContent('[data-banner="netkey"]'), /wrong netkey/i);
  await shot(page, 'wrong-netkey');
  await connect(page, { serial: SEALED, netkey: NETKEY });
  const first = await waitNumber(page, 'Count', (x) => x >= 0, 'a sealed answer');
  await waitNumber(page, 'Count', new Function('x', `return x > ${first}`), 'rising through sealed frames');
  assert.equal(await page.$('[data-banner="netkey"]'), null);
  await page.close();
});

test('every control has an accessible name, and a choice list works from the keyboard alone', async () => {
  const unlabelled = (page) => page.$$eval('input, select, button, output', (els) => els
    .filter((e) => !e.hidden && !(e.labels?.length) && !e.getAttribute('aria-label') && !(e.textContent ?? '').trim())
    .map((e) => e.outerHTML.slice(0, 80)));
  const page = await newPage();
  await page.goto(`${site.url}#/connect`);
  assert.deepEqual(await unlabelled(page), []);
  await connect(page);
  await page.waitForSelector('[data-control="LEDConfig"]');
  assert.deepEqual(await unlabelled(page), []);
  await page.selectOption('[data-control="LEDConfig"]', '2');
  await page.waitForFunction(() => document.querySelector('[data-feedback="LEDConfig"]')?.textContent.includes('LEDConfig is now blink'), null, { timeout: 10000 });
  await page.focus('[data-control="LEDConfig"]');
  await page.keyboard.press('Home'); // the first choice, "off", chosen with the keyboard alone
  await page.waitForFunction(() => document.querySelector('[data-feedback="LEDConfig"]')?.textContent.includes('LEDConfig is now off'), null, { timeout: 10000 });
  await page.close();
});

test('at 390 px wide nothing overflows horizontally', async () => {
  const page = await newPage({ width: 390, height: 844 });
  await connect(page);
  await waitNumber(page, 'Count', (x) => x >= 0, 'a value');
  await page.waitForSelector('.chart .uplot');
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
  assert.ok(widths.doc <= widths.view && widths.body <= widths.view, JSON.stringify(widths));
  await shot(page, 'phone-dashboard');
  await page.goto(`${site.url}#/connect`);
  const connectWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(connectWidth <= 390, `connect page ${connectWidth} px wide`);
  await page.close();
});

test('the Tap killed: an offline banner saying since when', async () => {
  const page = await newPage();
  await connect(page);
  await waitNumber(page, 'Count', (x) => x >= 0, 'a value');
  await H.stop(tap.proc, 'SIGKILL');
  await page.waitForSelector('[data-banner="offline"]', { timeout: 30000 });
  assert.match(await page.textContent('[data-banner="offline"]'), /Tap IoTzPr0041 is offline since .*commands are not answered/);
  await shot(page, 'tap-offline');
  await page.close();
});
