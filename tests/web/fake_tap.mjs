// A stand-in for `tapmq tap` while the real Tap runtime is being written: one simulated Sensor Demo
// Tap speaking the Tap protocol over MQTT exactly as tap-protocol.md §3 and §5 say (retained
// status with an offline will, requests on <prefix>/cmd answered on the MQTT 5 Response Topic with
// the Correlation Data, profile logins per reply channel, netkey sealing with plain 81 90 00 for a
// frame it cannot open, the LEDConfig_changed alarm on <prefix>/event). The browser tests use the
// real `tapmq tap` when it exists (harness.mjs decides); this file keeps them runnable before.
//   node fake_tap.mjs --serial SN --port PORT [--netkey KEY] [--project FILE]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Sealer, Opener, ToTap, FromTap, passwordHash } from '../../web/src/seal.js';
import { toHex } from '../../web/src/tap.js';
import { decodeValue, encodeValue, variableSize } from '../../web/src/values.js';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const mqtt = require('mqtt');

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const serial = arg('--serial');
const port = Number(arg('--port'));
const netkey = arg('--netkey', '');
const projectFile = arg('--project', new URL('../../src/tap/projects/sensor_demo.json', import.meta.url).pathname);
const project = JSON.parse(readFileSync(projectFile, 'utf8'));
const prefix = (project.relay?.topic_prefix ?? 'IOTIZE_DEV/{serial}_DEV').replaceAll('{serial}', serial);
const byId = new Map(project.variables.map((v) => [v.id, v]));
const byName = new Map(project.variables.map((v) => [v.name, v]));
const profileId = (ref) => (typeof ref === 'number' ? ref : project.profiles.find((p) => p.name === ref)?.id);

// the board
const mem = new Map(project.variables.map((v) => [v.name, Array(v.count ?? 1).fill(0)]));
if (mem.has('Period')) mem.set('Period', [1000]);
if (mem.has('LEDConfig')) mem.set('LEDConfig', [2]);
if (mem.has('Temperature_C')) mem.set('Temperature_C', [25]);
if (mem.has('Voltage_V')) mem.set('Voltage_V', [3.3]);
let last = Date.now();
let acc = 0;
function advance() {
  const now = Date.now();
  if (mem.has('Count')) {
    acc += now - last;
    const p = Math.max(10, mem.get('Period')?.[0] ?? 100);
    while (acc >= p) { acc -= p; mem.set('Count', [mem.get('Count')[0] + 1]); }
  }
  last = now;
  if (mem.has('LEDStatus')) {
    const c = mem.get('LEDConfig')?.[0] ?? 0;
    mem.set('LEDStatus', [c === 2 ? (mem.get('Count')[0] & 1) : c ? 1 : 0]);
  }
  if (mem.has('Temperature_C')) mem.set('Temperature_C', [Math.fround(25 + Math.sin(now / 20000) * 2 + Math.random() * 0.2)]);
  if (mem.has('Voltage_V')) mem.set('Voltage_V', [Math.fround(3.3 + Math.sin(now / 7000) * 0.05)]);
}

const sessions = new Map(); // requester -> profile id
const canRead = (pid, v) => pid === 65535 || project.bundles.some((b) => b.variables.includes(v.name) && (b.rights ?? []).some((r) => profileId(r.profile) === pid && r.read));
const canWrite = (pid, v) => pid === 65535 || project.bundles.some((b) => b.variables.includes(v.name) && (b.rights ?? []).some((r) => profileId(r.profile) === pid && r.write));
const concat = (parts) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };
const text = (s) => new TextEncoder().encode(s);
const u16 = (n) => new Uint8Array([n >> 8, n & 0xff]);
const u32 = (n) => new Uint8Array([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

async function handle(requester, method, obj, inst, res, payload) {
  advance();
  const pid = sessions.get(requester) ?? 0;
  const path = `/${obj}/${inst === 0xffff ? '' : inst}/${res}`;
  const info = { '/3//0': text('tapmq'), '/3//1': text('Tap-Sim'), '/3//2': text(serial), '/3//3': text('1.0.0'),
    '/1024//9': text(project.application.name), '/1024//10': u32(project.application.config_version), '/1024//2': u16(pid),
    '/3//13': u32(Math.floor(Date.now() / 1000)) };
  if (method === 1 && info[path]) return [0x45, info[path]];
  if (path === '/1024//0' && method === 2) {
    const user = new TextDecoder().decode(payload.slice(0, 16)).replace(/\0+$/, '');
    const p = project.profiles.find((x) => x.name === user);
    const want = p?.password_hash ?? (p?.password ? toHex(await passwordHash(p.password)) : null);
    if (!want || want.toUpperCase() !== toHex(payload.slice(16, 32))) return [0x81];
    sessions.set(requester, p.id);
    return [0x44];
  }
  if (obj === 1028 && res === 1 && method === 1) {
    const b = project.bundles.find((x) => x.id === inst);
    if (!b) return [0x84];
    const vars = b.variables.map((n) => byName.get(n) ?? byId.get(n));
    if (!vars.every((v) => canRead(pid, v))) return [0x81];
    return [0x45, concat(vars.map((v) => encodeValue({ ...v, min: undefined, max: undefined, choices: undefined }, v.count > 1 ? mem.get(v.name) : mem.get(v.name)[0])))];
  }
  if (obj === 1029 && res === 4) {
    const v = byId.get(inst);
    if (!v) return [0x84];
    if (method === 1) return canRead(pid, v) ? [0x45, encodeValue({ ...v, min: undefined, max: undefined, choices: undefined }, mem.get(v.name)[0])] : [0x81];
    if (method !== 3 || v.access !== 'rw') return [0x85];
    if (!canWrite(pid, v)) return [0x81];
    if (payload.length !== variableSize(v)) return [0x80];
    const value = decodeValue(v, payload);
    try { encodeValue(v, value.length === 1 ? value[0] : value); } catch { return [0x80]; }
    const before = mem.get(v.name)[0];
    mem.set(v.name, value);
    for (const a of project.alarms ?? []) {
      if (a.kind === 'change' && a.variable === v.name && before !== value[0]) {
        event({ event: 'changed', alarm: a.id, name: a.name, variable: v.id, variable_name: v.name, value: value[0], previous: before, time: new Date().toISOString() });
      }
    }
    return [0x44];
  }
  return [0x84];
}

const sealer = netkey ? await Sealer.create(netkey, serial, FromTap) : null;
const opener = netkey ? await Opener.create(netkey, serial, ToTap) : null;
const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
  clientId: serial, username: serial, protocolVersion: 5, clean: true, reconnectPeriod: 500,
  will: { topic: `${prefix}/status`, payload: JSON.stringify({ state: 'offline', serial, reason: 'connection lost' }), qos: 1, retain: true },
});
async function event(ev) {
  const body = text(JSON.stringify(ev));
  client.publish(`${prefix}/event`, Buffer.from(sealer ? await sealer.seal(`${prefix}/event`, body) : body), { qos: 1 });
}
// datalog: a record per bundle and datalog period (the real Tap queues them on disk; not needed here)
for (const b of project.bundles) {
  if (!b.datalog_period_ms) continue;
  setInterval(async () => {
    if (!client.connected) return;
    advance();
    const values = Object.fromEntries(b.variables.map((n) => { const v = byName.get(n) ?? byId.get(n); const x = mem.get(v.name); return [v.name, x.length === 1 ? x[0] : x]; }));
    const body = text(JSON.stringify({ serial, time: new Date().toISOString(), bundle: b.name, bundle_id: b.id, values }));
    client.publish(`${prefix}/data`, Buffer.from(sealer ? await sealer.seal(`${prefix}/data`, body) : body), { qos: 1 });
  }, b.datalog_period_ms);
}
client.on('connect', () => {
  client.subscribe([`${prefix}/cmd`, `${prefix}/cmd/+`], { qos: 1 });
  client.publish(`${prefix}/status`, JSON.stringify({ state: 'online', serial, firmware: '1.0.0', application: project.application.name,
    config_version: project.application.config_version, since: new Date().toISOString() }), { qos: 1, retain: true });
  console.log(`fake tap ${serial} online`);
});
let lastRefusal = 0;
client.on('message', async (topic, payload, packet) => {
  const rt = packet.properties?.responseTopic ?? (topic.startsWith(`${prefix}/cmd/`) ? `${prefix}/resp/${topic.split('/').pop()}` : `${prefix}/resp`);
  const props = packet.properties?.correlationData ? { correlationData: packet.properties.correlationData } : {};
  let bytes = new Uint8Array(payload);
  let requester = rt;
  if (opener) {
    try {
      requester = `sealed:${new DataView(bytes.buffer, bytes.byteOffset).getUint32(2)}`;
      bytes = await opener.open(bytes, topic);
    } catch (e) {
      if (Date.now() - lastRefusal >= 1000) { lastRefusal = Date.now(); client.publish(rt, Buffer.from([0x81, 0x90, 0x00]), { qos: 1, properties: props }); }
      console.log(`refused a request: ${e.message}`);
      return;
    }
  }
  const lcLen = bytes[4] === 0 ? 3 : 1;
  const req = bytes.slice(4 + lcLen);
  const v = new DataView(req.buffer, req.byteOffset);
  const [code, data = new Uint8Array(0)] = await handle(requester, req[0], v.getUint16(1), v.getUint16(3), v.getUint16(5), req.slice(7));
  const apdu = concat([new Uint8Array([code]), data, new Uint8Array([0x90, 0x00])]);
  const out = sealer ? await sealer.seal(rt, apdu) : apdu;
  client.publish(rt, Buffer.from(out), { qos: 1, properties: props });
});
const stop = () => client.publish(`${prefix}/status`, JSON.stringify({ state: 'offline', serial, reason: 'stopped', since: new Date().toISOString() }), { qos: 1, retain: true }, () => client.end(false, () => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
