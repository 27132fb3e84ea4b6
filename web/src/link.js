// The app's MQTT side: one MQTT 5 connection over WebSocket (MQTT.js) to the broker, the fleet seen
// through the retained status topics, and a TapLink per Tap: requests on <prefix>/cmd with a
// Response Topic and Correlation Data (tap-protocol.md §5), sealed with the netkey when one is
// given, and the Tap's status, alarms (event) and datalog (data) topics. Every failure becomes a
// state or an error with a reason the page shows; nothing fails silently.
import mqtt from 'mqtt';
import { Buffer } from 'buffer';
import { Method, decodeResponseApdu, encodeRequestApdu, fleetFilter, prefixFor, resultName, isSuccess } from './tap.js';
import { FromTap, OpenError, Opener, Sealer, ToTap, cryptoAvailable, loginPayload } from './seal.js';

const CONNACK_REASONS = {
  128: 'unspecified error', 129: 'malformed packet', 130: 'protocol error', 133: 'client identifier not valid',
  134: 'bad user name or password', 135: 'not authorized', 136: 'server unavailable', 137: 'server busy',
  138: 'banned', 140: 'bad authentication method',
};

// A failed request: kind is 'timeout', 'wrong-netkey', 'no-netkey', 'refused' (a Tap result code),
// 'offline', 'bad-answer'.
export class TapError extends Error {
  constructor(kind, message, code) { super(message); this.kind = kind; this.code = code; }
}

const rand = () => Math.random().toString(36).slice(2, 10);

export class Broker extends EventTarget {
  constructor({ url, username, password, prefixTemplate }) {
    super();
    this.url = url;
    this.prefixTemplate = prefixTemplate;
    this.state = 'connecting'; // connecting | connected | unreachable | refused
    this.detail = '';
    this.fleet = new Map(); // serial -> {status, receivedAt}
    this.handlers = new Map(); // topic -> fn(topic, Uint8Array, packet)
    this.acks = new Map(); // topic -> {done: Promise, resolve}
    const fleet = fleetFilter(prefixTemplate, 'status');
    this.fleetFilter = fleet.filter;
    this.client = mqtt.connect(url, {
      protocolVersion: 5, clientId: `tapmq-web-${rand()}`, clean: true, keepalive: 30,
      username: username || undefined, password: password || undefined,
      reconnectPeriod: 2000, connectTimeout: 5000, resubscribe: true,
    });
    this.client.on('connect', () => {
      this.setState('connected', '');
      this.client.subscribe(this.fleetFilter, { qos: 1 });
      for (const topic of this.handlers.keys()) this.subscribeNow(topic);
    });
    this.client.on('reconnect', () => { if (this.state !== 'refused') this.setState('unreachable', this.detail || 'retrying'); });
    this.client.on('close', () => {
      if (this.state === 'connected' || this.state === 'connecting') this.setState('unreachable', 'connection lost; retrying every 2 s');
    });
    this.client.on('error', (err) => {
      const code = err?.code;
      if (typeof code === 'number' && code >= 128) {
        this.setState('refused', `the broker refused the connection: ${CONNACK_REASONS[code] ?? 'reason ' + code} (0x${code.toString(16)}); check the MQTT user name and password`);
        this.client.end(true);
      } else {
        this.setState('unreachable', `${err?.message || 'cannot reach the broker'}; retrying every 2 s`);
      }
    });
    this.client.on('message', (topic, payload, packet) => {
      const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
      const serial = fleet.serialOf(topic);
      if (serial !== null && topic.endsWith('/status')) {
        let status = null;
        try { status = bytes.length ? JSON.parse(new TextDecoder().decode(bytes)) : null; } catch { status = { state: 'unknown' }; }
        if (status) this.fleet.set(serial, { status, receivedAt: new Date() }); else this.fleet.delete(serial);
        this.dispatchEvent(new CustomEvent('fleet', { detail: { serial, status } }));
      }
      const h = this.handlers.get(topic);
      if (h) h(topic, bytes, packet);
    });
  }

  setState(state, detail) {
    this.state = state; this.detail = detail;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, detail } }));
  }

  // Messages on `topic` go to fn; subscribed(topic) resolves once the broker has acknowledged the
  // subscription (a request is published only then, so its answer cannot be missed).
  listen(topic, fn) {
    this.handlers.set(topic, fn);
    let resolve;
    const done = new Promise((r) => { resolve = r; });
    this.acks.set(topic, { done, resolve });
    if (this.client.connected) this.subscribeNow(topic);
  }

  subscribeNow(topic) {
    this.client.subscribe(topic, { qos: 1 }, (err) => { if (!err) this.acks.get(topic)?.resolve(); });
  }

  subscribed(topic) { return this.acks.get(topic)?.done ?? Promise.resolve(); }

  unlisten(topic) {
    this.handlers.delete(topic);
    this.acks.delete(topic);
    if (this.client.connected) this.client.unsubscribe(topic);
  }

  publish(topic, bytes, properties) {
    return new Promise((resolve, reject) => {
      this.client.publish(topic, Buffer.from(bytes), { qos: 1, properties }, (err) => (err ? reject(err) : resolve()));
    });
  }

  close() { this.client.end(true); }
}

export class TapLink extends EventTarget {
  static async create(broker, { serial, netkey }) {
    const t = new TapLink();
    t.broker = broker;
    t.serial = serial;
    t.prefix = prefixFor(broker.prefixTemplate, serial);
    t.cmdTopic = `${t.prefix}/cmd`;
    t.respTopic = `${t.prefix}/resp/web-${rand()}`;
    t.netkey = netkey || '';
    if (t.netkey) {
      if (!cryptoAvailable()) {
        throw new TapError('no-crypto', 'this page is not a secure context (https, or http on localhost), so the browser offers no WebCrypto: open the app over https/wss or on localhost to use a netkey');
      }
      t.sealer = await Sealer.create(t.netkey, serial, ToTap);
      t.opener = await Opener.create(t.netkey, serial, FromTap);
    }
    t.pending = new Map(); // correlation id -> {resolve, reject, timer}
    t.status = null; t.statusAt = null;
    t.nextId = 1;
    broker.listen(t.respTopic, (topic, bytes, packet) => t.onResponse(topic, bytes, packet));
    broker.listen(`${t.prefix}/status`, (topic, bytes) => {
      let s = null;
      try { s = bytes.length ? JSON.parse(new TextDecoder().decode(bytes)) : null; } catch { s = null; }
      t.status = s; t.statusAt = new Date();
      t.dispatchEvent(new CustomEvent('status', { detail: s }));
    });
    for (const kind of ['event', 'data']) {
      broker.listen(`${t.prefix}/${kind}`, async (topic, bytes) => {
        try {
          const plain = t.opener ? await t.opener.open(bytes, topic) : bytes;
          const json = JSON.parse(new TextDecoder().decode(plain));
          t.dispatchEvent(new CustomEvent(kind, { detail: json }));
        } catch (e) {
          t.dispatchEvent(new CustomEvent('problem', { detail: `a message on ${kind} could not be read: ${e.message}${t.opener ? ' (is the netkey right?)' : ' (is the Tap sealing with a netkey? enter it)'}` }));
        }
      });
    }
    return t;
  }

  get online() { return this.status?.state === 'online'; }

  close() {
    for (const topic of [this.respTopic, `${this.prefix}/status`, `${this.prefix}/event`, `${this.prefix}/data`]) this.broker.unlisten(topic);
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new TapError('closed', 'closed')); }
    this.pending.clear();
  }

  async onResponse(topic, bytes, packet) {
    const cd = packet.properties?.correlationData;
    const id = cd ? new TextDecoder().decode(cd) : null;
    const p = id && this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const plainRefusal = bytes.length === 3 && bytes[0] === 0x81 && bytes[1] === 0x90 && bytes[2] === 0;
    try {
      let apdu = bytes;
      if (this.opener) {
        if (plainRefusal) {
          throw new TapError('wrong-netkey', 'wrong netkey: the Tap could not open our sealed request and answered in plain text (81 90 00); check the netkey (and this computer\'s clock)');
        }
        try { apdu = await this.opener.open(bytes, topic); } catch (e) {
          if (e instanceof OpenError) {
            throw new TapError('no-netkey', `the Tap's answer is not sealed with this netkey (${e.message}): if the Tap has no netkey, clear the netkey field`);
          }
          throw e;
        }
      }
      let r;
      try { r = decodeResponseApdu(apdu); } catch (e) { throw new TapError('bad-answer', `the Tap's answer cannot be read: ${e.message}`); }
      if (!this.opener && plainRefusal) r.maybeNetkey = true;
      p.resolve(r);
    } catch (e) { p.reject(e); }
  }

  // -> {code, data}; rejects with a TapError for no answer, a wrong netkey, an unreadable answer.
  async request(method, path, payload, timeoutMs = 5000) {
    const id = String(this.nextId++);
    const apdu = encodeRequestApdu(method, path, payload);
    const body = this.sealer ? await this.sealer.seal(this.cmdTopic, apdu) : apdu;
    const answer = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const why = this.status?.state === 'offline'
          ? 'the Tap is offline: commands are not answered'
          : this.broker.state !== 'connected' ? 'the broker is unreachable' : `no answer from the Tap in ${timeoutMs / 1000} s`;
        reject(new TapError(this.status?.state === 'offline' ? 'offline' : 'timeout', why));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    try {
      await this.broker.subscribed(this.respTopic);
      if (!this.pending.has(id)) return answer; // timed out while the broker was unreachable
      await this.broker.publish(this.cmdTopic, body, { responseTopic: this.respTopic, correlationData: Buffer.from(id) });
    } catch (e) {
      const p = this.pending.get(id);
      if (p) { clearTimeout(p.timer); this.pending.delete(id); }
      throw new TapError('timeout', `the request could not be sent: ${e.message}`);
    }
    return answer;
  }

  // Like request, and a result code with bit 7 set becomes a TapError('refused').
  async ok(method, path, payload, timeoutMs) {
    const r = await this.request(method, path, payload, timeoutMs);
    if (!isSuccess(r.code)) {
      const hint = r.maybeNetkey ? ' (if this Tap has a netkey, enter it on the connect page)' : '';
      throw new TapError('refused', `${resultName(r.code)}${hint}`, r.code);
    }
    return r.data;
  }

  async login(user, password) {
    if (!cryptoAvailable()) {
      throw new TapError('no-crypto', 'a profile login needs WebCrypto, which the browser offers only in a secure context (https, or http on localhost)');
    }
    await this.ok(Method.POST, '/1024//0', await loginPayload(user, password));
  }
}
