// What the app knows while it runs: the project, the connection settings (remembered in
// localStorage), the broker and the Tap link, the logged-in profile, the latest values and their
// history, bundle polling at each bundle's monitoring period, alarms and datalog records. Pages
// read it and listen to its 'change' events; it never touches the page itself.
import { Broker, TapError, TapLink } from './link.js';
import { History } from './chart.js';
import { Method, resultName } from './tap.js';
import { decodeValue, encodeValue, formatValue, splitBundle } from './values.js';

const STORE = 'tapmq.connect';
const ADMIN = 65535;
const MAX_RECORDS = 5000;
const MAX_ALARMS = 500;

export function defaultBrokerUrl() {
  if (location.protocol === 'https:') return `wss://${location.host}/mqtt`;
  if (location.protocol === 'http:') return `ws://${location.host}/mqtt`;
  return 'ws://localhost:9001/mqtt';
}

export class Session extends EventTarget {
  constructor(project) {
    super();
    this.project = project;
    this.prefixTemplate = project.relay?.topic_prefix ?? 'IOTIZE_DEV/{serial}_DEV';
    this.varsByName = new Map(project.variables.map((v) => [v.name, v]));
    this.varsById = new Map(project.variables.map((v) => [v.id, v]));
    this.profilesByName = new Map(project.profiles.map((p) => [p.name, p]));
    this.settings = { url: project.broker_url || defaultBrokerUrl(), username: '', password: '', serial: '', netkey: '', profile: 'anonymous', profilePassword: '', remember: true };
    try { Object.assign(this.settings, JSON.parse(localStorage.getItem(STORE) ?? '{}')); } catch { /* a bad entry is ignored */ }
    this.broker = null; this.link = null;
    this.profile = this.profilesByName.get('anonymous') ?? { id: 0, name: 'anonymous' };
    this.values = new Map(); this.history = new Map(); this.bundleState = new Map();
    this.alarms = []; this.unread = 0; this.active = new Map();
    this.records = [];
    this.problem = null; // {kind, message}: wrong netkey, login refused...
    this.timers = [];
    this.lastRelogin = 0;
  }

  emit(kind, detail) { this.dispatchEvent(new CustomEvent('change', { detail: { kind, ...detail } })); }

  save(settings) {
    Object.assign(this.settings, settings);
    const kept = { ...this.settings };
    if (!kept.remember) { kept.password = ''; kept.netkey = ''; kept.profilePassword = ''; }
    localStorage.setItem(STORE, JSON.stringify(kept));
  }

  // The broker connection for the current URL and credentials (kept when they did not change).
  ensureBroker() {
    const s = this.settings;
    const key = JSON.stringify([s.url, s.username, s.password]);
    if (this.broker && this.brokerKey === key) return this.broker;
    this.disconnectTap();
    this.broker?.close();
    this.brokerKey = key;
    this.broker = new Broker({ url: s.url, username: s.username, password: s.password, prefixTemplate: this.prefixTemplate });
    this.broker.addEventListener('state', () => this.emit('broker'));
    this.broker.addEventListener('fleet', () => this.emit('fleet'));
    return this.broker;
  }

  disconnectTap() {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.link?.close();
    this.link = null;
    this.values.clear(); this.history.clear(); this.bundleState.clear();
    this.alarms = []; this.unread = 0; this.active.clear(); this.records = [];
    this.problem = null; this.lastState = undefined;
    this.profile = this.profilesByName.get('anonymous') ?? { id: 0, name: 'anonymous' };
  }

  // Connects to the Tap of settings.serial and logs in with settings.profile.
  async connectTap() {
    this.ensureBroker();
    this.disconnectTap();
    const s = this.settings;
    if (!s.serial) return;
    try {
      this.link = await TapLink.create(this.broker, { serial: s.serial, netkey: s.netkey });
    } catch (e) {
      this.setProblem('crypto', e.message);
      return;
    }
    const link = this.link;
    link.addEventListener('status', (e) => {
      const wasOffline = this.lastState === 'offline';
      this.lastState = e.detail?.state;
      if (wasOffline && e.detail?.state === 'online') this.login().then(() => this.pollAll());
      this.emit('tap');
    });
    link.addEventListener('event', (e) => this.onAlarm(e.detail));
    link.addEventListener('data', (e) => this.onRecord(e.detail));
    link.addEventListener('problem', (e) => this.setProblem('message', e.detail));
    this.emit('tap');
    await this.login();
    this.startPolling();
  }

  setProblem(kind, message) { this.problem = message ? { kind, message } : null; this.emit('problem'); }

  async login() {
    const s = this.settings;
    const wanted = this.profilesByName.get(s.profile);
    if (!this.link || !wanted || wanted.id === 0) {
      this.profile = this.profilesByName.get('anonymous') ?? { id: 0, name: 'anonymous' };
      this.emit('profile');
      return;
    }
    try {
      await this.link.login(wanted.name, s.profilePassword);
      this.profile = wanted;
      if (this.problem?.kind === 'login') this.setProblem(null);
    } catch (e) {
      this.profile = this.profilesByName.get('anonymous') ?? { id: 0, name: 'anonymous' };
      const why = e.kind === 'refused' ? `${e.message}: wrong profile name or password` : e.message;
      if (e.kind === 'wrong-netkey') this.setProblem('netkey', `${e.message[0].toUpperCase()}${e.message.slice(1)}.`);
      else this.setProblem('login', `Login as ${wanted.name} failed (${why}); showing the anonymous dashboard`);
    }
    this.emit('profile');
  }

  canRead(bundle) {
    return this.profile.id === ADMIN || (bundle.rights ?? []).some((r) => this.profileOf(r.profile) === this.profile.id && r.read);
  }
  canWriteVar(v) {
    if (this.profile.id === ADMIN) return true;
    return this.project.bundles.some((b) => b.variables.includes(v.name) && (b.rights ?? []).some((r) => this.profileOf(r.profile) === this.profile.id && r.write));
  }
  profileOf(ref) { return typeof ref === 'number' ? ref : this.profilesByName.get(ref)?.id; }
  bundleVars(b) { return b.variables.map((n) => (typeof n === 'number' ? this.varsById.get(n) : this.varsByName.get(n))); }
  readableBundles() { return this.project.bundles.filter((b) => this.canRead(b)); }

  startPolling() {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const b of this.readableBundles()) {
      this.poll(b);
      if (b.monitoring_period_ms > 0) this.timers.push(setInterval(() => this.poll(b), b.monitoring_period_ms));
    }
  }
  pollAll() { for (const b of this.readableBundles()) this.poll(b); }

  async poll(b) {
    const link = this.link;
    if (!link) return;
    const st = this.bundleState.get(b.id) ?? {};
    if (st.inflight) return;
    st.inflight = true;
    this.bundleState.set(b.id, st);
    try {
      const data = await link.ok(Method.GET, `/1028/${b.id}/1`);
      if (link !== this.link) return;
      const now = new Date();
      for (const [name, values] of splitBundle(this.bundleVars(b), data)) this.setValue(name, values, now);
      st.error = null; st.at = now;
      if (this.problem?.kind === 'netkey' || this.problem?.kind === 'answer') this.setProblem(null);
    } catch (e) {
      if (link !== this.link) return;
      st.error = this.explain(e, `read ${b.name}`);
      if (e.kind === 'wrong-netkey') this.setProblem('netkey', e.message);
      else if (e.kind === 'no-netkey' || e.kind === 'bad-answer') this.setProblem('answer', e.message);
      if (e.code === 0x81 && this.profile.id !== 0 && Date.now() - this.lastRelogin > 5000) {
        this.lastRelogin = Date.now();
        this.login();
      }
    } finally {
      st.inflight = false;
      this.emit('bundle', { bundle: b.id });
    }
  }

  setValue(name, values, at) {
    this.values.set(name, { values, at });
    const v = this.varsByName.get(name);
    if (v && (v.count ?? 1) === 1) {
      if (!this.history.has(name)) this.history.set(name, new History());
      this.history.get(name).push(at.getTime() / 1000, values[0]);
    }
    this.emit('value', { name });
  }

  // A sentence for a failed request.
  explain(e, what) {
    if (!(e instanceof TapError)) return `Could not ${what}: ${e.message}`;
    if (e.kind !== 'refused') return `Could not ${what}: ${e.message}`;
    const reasons = {
      0x81: `not authorised: the profile ${this.profile.name} may not ${what}${this.settings.netkey ? '' : ' (or the Tap has a netkey: enter it)'}`,
      0x80: 'the Tap refused the value (out of range, or not one of the choices)',
      0x84: 'the Tap does not have this (is it running this project?)',
      0x85: 'this is read-only on the Tap',
      0xa5: 'the Tap cannot reach its target',
    };
    return `Could not ${what}: ${e.message}${reasons[e.code] ? ' — ' + reasons[e.code] : ''}`;
  }

  // Writes a variable and reads it back; resolves to the feedback sentence, throws one on refusal.
  async write(v, value) {
    if (!this.link) throw new Error('Not connected to a Tap: open the connect page');
    let bytes;
    try { bytes = encodeValue(v, value); } catch (e) { throw new Error(`Not sent: ${e.message}`); }
    try {
      await this.link.ok(Method.PUT, `/1029/${v.id}/4`, bytes);
    } catch (e) {
      throw new Error(`Write refused. ${this.explain(e, `write ${v.name}`)}`);
    }
    try {
      const back = decodeValue(v, await this.link.ok(Method.GET, `/1029/${v.id}/4`));
      this.setValue(v.name, back, new Date());
      return `Written: ${v.name} is now ${formatValue(v, back)}${v.unit ? ' ' + v.unit : ''}`;
    } catch (e) {
      return `Written (0x44 Changed); reading it back failed: ${e.message}`;
    }
  }

  onAlarm(ev) {
    const at = ev.time ? new Date(ev.time) : new Date();
    const entry = { ...ev, at };
    this.alarms.unshift(entry);
    if (this.alarms.length > MAX_ALARMS) this.alarms.pop();
    if (ev.event === 'raised') this.active.set(ev.name ?? ev.alarm, entry);
    if (ev.event === 'cleared') this.active.delete(ev.name ?? ev.alarm);
    this.unread++;
    this.emit('alarm');
  }

  onRecord(rec) {
    this.records.push({ ...rec, at: rec.time ? new Date(rec.time) : new Date() });
    if (this.records.length > MAX_RECORDS) this.records.shift();
    this.emit('record');
  }

  recordsCsv() {
    const rows = [['time', 'serial', 'bundle', 'variable', 'value']];
    for (const r of this.records) {
      for (const [name, value] of Object.entries(r.values ?? {})) {
        rows.push([r.at.toISOString(), r.serial ?? this.settings.serial, r.bundle ?? r.bundle_id, name, Array.isArray(value) ? value.join(' ') : value]);
      }
    }
    return rows.map((row) => row.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : c)).join(',')).join('\n') + '\n';
  }

  async readInfo(paths) {
    const out = [];
    for (const [label, path, kind] of paths) {
      try {
        const d = await this.link.ok(Method.GET, path);
        const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
        let text;
        if (kind === 'u16' && d.length === 2) text = String(view.getUint16(0));
        else if (kind === 'u32' && d.length === 4) text = String(view.getUint32(0));
        else if (kind === 'time' && d.length === 4) text = new Date(view.getUint32(0) * 1000).toISOString();
        else text = new TextDecoder().decode(d);
        out.push({ label, path, text });
      } catch (e) {
        out.push({ label, path, error: e instanceof TapError && e.kind === 'refused' ? `${e.message}` : e.message });
      }
    }
    return out;
  }

  async writeSetting(path, kind, text) {
    let bytes;
    if (kind === 'u16') {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error('a port is a whole number from 1 to 65535');
      bytes = new Uint8Array([n >> 8, n & 0xff]);
    } else bytes = new TextEncoder().encode(text);
    try { await this.link.ok(Method.PUT, path, bytes); } catch (e) { throw new Error(`Refused: ${this.explain(e, `write ${path}`)}`); }
  }

  describeProfile(id) {
    const p = this.project.profiles.find((x) => x.id === id);
    return p ? p.name : `profile ${id}`;
  }
  resultName(code) { return resultName(code); }
}
