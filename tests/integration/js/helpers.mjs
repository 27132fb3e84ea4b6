// Shared helpers for the MQTT.js integration tests.  The broker is started by the pytest
// harness (test_js.py), which passes its port in TAPMQ_PORT.
import mqtt from 'mqtt';

export const PORT = Number(process.env.TAPMQ_PORT ?? 0);
export const HOST = process.env.TAPMQ_HOST ?? '127.0.0.1';
export const URL = `mqtt://${HOST}:${PORT}`;
export const STEP_TIMEOUT = 5000;

if (!PORT) throw new Error('TAPMQ_PORT is not set: run these tests through test_js.py');

let counter = 0;
export function uid(prefix = 'js') {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** Resolve with the value of `promise`, or reject after `ms` (every wait is bounded). */
export function within(promise, ms = STEP_TIMEOUT, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Connect an MQTT 5 client; resolves { client, connack, inbox }.  The inbox is attached
 * before the connection opens, so messages sent right after CONNACK are not missed. */
export function connect(opts = {}) {
  const client = mqtt.connect(URL, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: STEP_TIMEOUT,
    clientId: opts.clientId ?? uid('c'),
    ...opts,
  });
  const inbox = new Inbox(client);
  return within(new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, connack, inbox }));
    client.once('error', reject);
  }), STEP_TIMEOUT, 'connect');
}

/** Collects messages of a client; `next(pred)` waits (bounded) for the next matching one. */
export class Inbox {
  constructor(client) {
    this.items = [];
    this.waiters = [];
    client.on('message', (topic, payload, packet) => {
      this.items.push({ topic, payload, packet });
      this.waiters.slice().forEach((w) => w());
    });
  }

  next(pred = () => true, ms = STEP_TIMEOUT) {
    return within(new Promise((resolve) => {
      const check = () => {
        const i = this.items.findIndex(pred);
        if (i >= 0) {
          const [item] = this.items.splice(i, 1);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(item);
        }
      };
      this.waiters.push(check);
      check();
    }), ms, 'message');
  }

  async take(n, ms = STEP_TIMEOUT) {
    const out = [];
    for (let i = 0; i < n; i += 1) out.push(await this.next(() => true, ms));
    return out;
  }
}

export async function closeAll(...clients) {
  await Promise.all(clients.filter(Boolean).map((c) => within(c.endAsync(), STEP_TIMEOUT, 'end')));
}
