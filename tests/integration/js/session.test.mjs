// Session expiry and message expiry with a real client (3.1.2.11.2, 3.3.2.3.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, closeAll, uid } from './helpers.mjs';

test('session expiry keeps subscriptions and queued messages (MQTT-3.2.2-2)', { timeout: 15000 }, async () => {
  const clientId = uid('sess');
  const topic = uid('js/se');
  let { client: c } = await connect({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
  await c.subscribeAsync(topic, { qos: 1 });
  await closeAll(c);
  const { client: pub } = await connect();
  try {
    await pub.publishAsync(topic, 'while-offline', { qos: 1 });
    const r = await connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    c = r.client;
    assert.equal(r.connack.sessionPresent, true);
    const m = await r.inbox.next();
    assert.equal(m.payload.toString(), 'while-offline');
  } finally {
    await closeAll(c, pub);
  }
});

test('session expiry 0 ends the session with the connection', { timeout: 15000 }, async () => {
  const clientId = uid('sess0');
  let { client: c } = await connect({ clientId, clean: true });
  await c.subscribeAsync(uid('js/s0'), { qos: 1 });
  await closeAll(c);
  const r = await connect({ clientId, clean: false });
  c = r.client;
  try {
    assert.equal(r.connack.sessionPresent, false);
  } finally {
    await closeAll(c);
  }
});

test('message expiry: interval forwarded and expired messages dropped (MQTT-3.3.2-5, MQTT-3.3.2-6)', { timeout: 20000 }, async () => {
  const clientId = uid('mx');
  const topic = uid('js/mx');
  let { client: c } = await connect({ clientId, clean: true, properties: { sessionExpiryInterval: 60 } });
  await c.subscribeAsync(topic, { qos: 1 });
  await closeAll(c);
  const { client: pub } = await connect();
  try {
    await pub.publishAsync(topic, 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync(topic, 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await delay(2200); // no event to await: expiry is the passage of time
    const r = await connect({ clientId, clean: false, properties: { sessionExpiryInterval: 60 } });
    c = r.client;
    const m = await r.inbox.next();
    assert.equal(m.payload.toString(), 'long', 'an expired message was delivered');
    const left = m.packet.properties.messageExpiryInterval;
    assert.ok(left >= 1 && left <= 98, `remaining expiry ${left}`);
  } finally {
    await closeAll(c, pub);
  }
});
