// Shared subscriptions with real clients (4.8.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, Inbox, closeAll, uid, within } from './helpers.mjs';

test('a shared subscription delivers each message to one member, spread over both', { timeout: 15000 }, async () => {
  const { client: a, connack } = await connect();
  const { client: b } = await connect();
  const { client: pub } = await connect();
  try {
    assert.notEqual(connack.properties?.sharedSubscriptionAvailable, false);
    const topic = uid('js/sh');
    const group = uid('g');
    const ia = new Inbox(a);
    const ib = new Inbox(b);
    await a.subscribeAsync(`$share/${group}/${topic}`, { qos: 1 });
    await b.subscribeAsync(`$share/${group}/${topic}`, { qos: 1 });
    const n = 10;
    for (let i = 0; i < n; i += 1) await pub.publishAsync(topic, `m${i}`, { qos: 1 });
    // wait (bounded) until all n arrived across both members
    await within(new Promise((resolve) => {
      const check = () => { if (ia.items.length + ib.items.length >= n) resolve(); };
      a.on('message', check); b.on('message', check); check();
    }), 5000, 'shared delivery');
    const all = [...ia.items, ...ib.items].map((m) => m.payload.toString()).sort();
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => `m${i}`).sort());
    assert.ok(ia.items.length > 0 && ib.items.length > 0,
      `not spread: ${ia.items.length}/${ib.items.length}`);
    for (const m of [...ia.items, ...ib.items]) assert.equal(m.topic, topic);
  } finally {
    await closeAll(a, b, pub);
  }
});
