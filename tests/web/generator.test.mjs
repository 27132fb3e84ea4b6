// `tapmq app`, the App Generator: what it writes, what it refuses, and a second project (other
// variables, types, widgets, profiles and topic prefix: src/tap/projects/greenhouse.json) giving a
// working app with no code change, driven in Chromium against the real tapmqd and a Tap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as H from './harness.mjs';

const PROJECTS = new URL('../../src/tap/projects/', import.meta.url).pathname;
const GREENHOUSE = join(PROJECTS, 'greenhouse.json');
let broker; let site; let tap; let browser; let appDir;

before(async () => {
  appDir = H.generateApp(GREENHOUSE, H.tempDir('greenhouse'));
  broker = await H.startBroker({ httpDir: appDir });
  site = { url: broker.appUrl };
  tap = await H.startTap(broker, { serial: 'GH0001', project: GREENHOUSE, prefix: 'farm/{serial}/tap' });
  browser = await H.launchBrowser();
});

after(async () => {
  await browser?.close();
  await tap?.stop();
  await broker?.stop();
});

test('writes the prebuilt app and the project description without secrets', () => {
  for (const f of ['index.html', 'app.js', 'app.css', 'sw.js', 'manifest.webmanifest', 'icon.svg', 'project.json']) {
    assert.ok(existsSync(join(appDir, f)), `${f} missing`);
  }
  const p = JSON.parse(readFileSync(join(appDir, 'project.json'), 'utf8'));
  assert.equal(p.application.name, 'Greenhouse');
  assert.equal(p.source, 'greenhouse.json');
  assert.match(p.generator, /^tapmq app /);
  assert.deepEqual(p.relay, { topic_prefix: 'farm/{serial}/tap' });
  assert.deepEqual(p.profiles.map((x) => Object.keys(x).sort()), [['id', 'lifetime_s', 'name'], ['id', 'lifetime_s', 'name'], ['id', 'lifetime_s', 'name']]);
  assert.ok(!readFileSync(join(appDir, 'project.json'), 'utf8').includes('password'));
  const size = JSON.parse(readFileSync(join(appDir, 'size.json'), 'utf8'));
  assert.ok(size.first_load_gzip < 300 * 1024, `first load ${size.first_load_gzip} bytes compressed`);
});

test('the embedded Sensor Demo project when --project is not given', () => {
  const dir = H.generateApp(null, H.tempDir('demo'));
  const p = JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8'));
  assert.equal(p.application.name, 'Sensor_demo');
  assert.equal(p.variables.length, 6);
});

test('a bad project is refused with the file, the JSON pointer and the reason', () => {
  const dir = H.tempDir('bad');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, readFileSync(GREENHOUSE, 'utf8').replace('"type": "uint16"', '"type": "flot32"'));
  const r = spawnSync(H.TAPMQ, ['app', '--project', bad, '-o', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json: \/variables\/0\/type: "flot32" is not a type/);
  assert.ok(!existsSync(join(dir, 'out', 'index.html')), 'nothing written for a bad project');
  const missing = spawnSync(H.TAPMQ, ['app', '--project', join(dir, 'nope.json'), '-o', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.json/);
  const noApp = spawnSync(H.TAPMQ, ['app', '--app-dir', dir, '-o', join(dir, 'out')], { encoding: 'utf8' });
  assert.equal(noApp.status, 1);
  assert.match(noApp.stderr, /holds no prebuilt app/);
});

test('the second project gives a working app: its widgets, writes, alarm, datalog and Taps online', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.url}#/connect`);
  await page.fill('#f-url', broker.url);
  // the Taps seen online come from farm/+/tap/status, this project's prefix
  await page.waitForSelector('ul.online button:has-text("GH0001")');
  await page.click('ul.online button:has-text("GH0001")');
  assert.equal(await page.inputValue('#f-serial'), 'GH0001');
  await page.selectOption('#f-profile', 'grower');
  await page.fill('#f-profilePassword', 'grower');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-profile="grower"]');
  for (const b of ['Climate', 'Actuators', 'System']) await page.waitForSelector(`[data-bundle="${b}"]`);
  await page.waitForSelector('[data-render="gauge"] [role="meter"]');
  await page.waitForFunction(() => /^0\.0, 0\.0, 0\.0, 0\.0$/.test(document.querySelector('output[data-var="Zone_temps"]')?.textContent));
  assert.deepEqual(await page.$$eval('[data-control="Mode"] option', (o) => o.map((x) => x.textContent)), ['off', 'automatic', 'manual']);
  await page.waitForFunction(() => document.querySelector('output[data-var="Valve"]')?.textContent === 'closed');

  await page.click('[data-control="Valve"]');
  await page.waitForFunction(() => document.querySelector('[data-feedback="Valve"]')?.textContent.includes('Valve is now open'), null, { timeout: 10000 });
  await page.selectOption('[data-control="Mode"]', '7');
  await page.waitForFunction(() => document.querySelector('[data-feedback="Mode"]')?.textContent.includes('Mode is now manual'), null, { timeout: 10000 });
  await page.fill('[data-control="Fan_speed"]', '-1200');
  await page.click('button[aria-label="Set Fan_speed"]');
  await page.waitForFunction(() => document.querySelector('[data-feedback="Fan_speed"]')?.textContent.includes('Fan_speed is now -1200 rpm'), null, { timeout: 10000 });
  await page.fill('[data-control="Fan_speed"]', '5000');
  await page.click('button[aria-label="Set Fan_speed"]');
  await page.waitForFunction(() => document.querySelector('[data-feedback="Fan_speed"]')?.textContent.includes('above the maximum 3000'));
  await page.waitForSelector('#alarm-badge:not([hidden])', { timeout: 15000 });
  await page.screenshot({ path: join(H.ARTIFACTS, 'greenhouse-dashboard.png'), fullPage: true });

  await page.click('#nav a[data-route="datalog"]');
  await page.waitForSelector('.datalog h2:has-text("Climate")', { timeout: 15000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download CSV")')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'time,serial,bundle,variable,value');
  assert.ok(csv.some((l) => /,GH0001,Climate,Humidity,0$/.test(l)), csv.slice(0, 4).join('\n'));
  assert.ok(csv.some((l) => /,GH0001,Climate,Zone_temps,0 0 0 0$/.test(l)), csv.slice(0, 6).join('\n'));
  assert.equal(download.suggestedFilename(), 'GH0001-datalog.csv');

  await page.click('#nav a[data-route="info"]');
  await page.waitForFunction(() => document.querySelector('dd[data-path="/1024//9"]')?.textContent === 'Greenhouse');
  assert.equal(await page.textContent('dd[data-path="/1024//10"]'), '3');
  assert.deepEqual(errors, []);
  await page.close();
});
