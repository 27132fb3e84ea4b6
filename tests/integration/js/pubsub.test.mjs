// MQTT 5 message properties with a real client: user properties, request/response,
// subscription identifiers, content type, payload format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, Inbox, closeAll, uid } from './helpers.mjs';

test('user properties are forwarded in order (MQTT-3.3.2-17, MQTT-3.3.2-18)', { timeout: 15000 }, async () => {
  const { client: sub } = await connect();
  const { client: pub } = await connect();
  try {
    const inbox = new Inbox(sub);
    const topic = uid('js/up');
    await sub.subscribeAsync(topic, { qos: 1 });
    await pub.publishAsync(topic, 'hello', {
      qos: 1,
      properties: {
        userProperties: { a: '1', b: ['2', '3'] },
        contentType: 'text/plain',
        payloadFormatIndicator: true,
      },
    });
    const { payload, packet } = await inbox.next();
    assert.equal(payload.toString(), 'hello');
    assert.deepEqual({ ...packet.properties.userProperties }, { a: '1', b: ['2', '3'] });
    assert.equal(packet.properties.contentType, 'text/plain');
    assert.equal(packet.properties.payloadFormatIndicator, true);
  } finally {
    await closeAll(sub, pub);
  }
});

test('request/response with response topic and correlation data (4.10)', { timeout: 15000 }, async () => {
  const { client: responder } = await connect();
  const { client: requester } = await connect();
  try {
    const reqTopic = uid('js/req');
    const respTopic = uid('js/resp');
    await responder.subscribeAsync(reqTopic, { qos: 1 });
    responder.on('message', (topic, payload, packet) => {
      responder.publish(packet.properties.responseTopic, `echo:${payload}`, {
        qos: 1,
        properties: { correlationData: packet.properties.correlationData },
      });
    });
    const inbox = new Inbox(requester);
    await requester.subscribeAsync(respTopic, { qos: 1 });
    const ids = ['id-1', 'id-2', 'id-3'];
    for (const id of ids) {
      await requester.publishAsync(reqTopic, `q-${id}`, {
        qos: 1,
        properties: { responseTopic: respTopic, correlationData: Buffer.from(id) },
      });
    }
    for (const id of ids) {
      const { payload } = await inbox.next((m) => m.packet.properties?.correlationData?.toString() === id);
      assert.equal(payload.toString(), `echo:q-${id}`);
    }
  } finally {
    await closeAll(responder, requester);
  }
});

test('subscription identifiers are delivered (3.8.2.1.2, MQTT-3.3.4-3)', { timeout: 15000 }, async () => {
  const { client: sub, connack } = await connect();
  const { client: pub } = await connect();
  try {
    assert.notEqual(connack.properties?.subscriptionIdentifiersAvailable, false);
    const inbox = new Inbox(sub);
    const base = uid('js/sid');
    await sub.subscribeAsync(`${base}/a/#`, { qos: 1, properties: { subscriptionIdentifier: 11 } });
    await sub.subscribeAsync(`${base}/b`, { qos: 1, properties: { subscriptionIdentifier: 22 } });
    await pub.publishAsync(`${base}/a/x`, 'one', { qos: 1 });
    await pub.publishAsync(`${base}/b`, 'two', { qos: 1 });
    const m1 = await inbox.next((m) => m.topic === `${base}/a/x`);
    const m2 = await inbox.next((m) => m.topic === `${base}/b`);
    assert.deepEqual([m1.packet.properties.subscriptionIdentifier].flat(), [11]);
    assert.deepEqual([m2.packet.properties.subscriptionIdentifier].flat(), [22]);
  } finally {
    await closeAll(sub, pub);
  }
});

test('no local and retain as published subscription options (3.8.3.1)', { timeout: 15000 }, async () => {
  const { client: c } = await connect();
  try {
    const inbox = new Inbox(c);
    const topic = uid('js/nl');
    await c.subscribeAsync(topic, { qos: 1, nl: true });
    await c.subscribeAsync(`${topic}/rap`, { qos: 1, rap: true });
    await c.publishAsync(topic, 'mine', { qos: 1 });
    await c.publishAsync(`${topic}/rap`, 'kept', { qos: 1, retain: true });
    const m = await inbox.next();
    assert.equal(m.topic, `${topic}/rap`, 'No Local subscription echoed our own message');
    assert.equal(m.packet.retain, true);
    await c.publishAsync(`${topic}/rap`, '', { qos: 1, retain: true });
  } finally {
    await closeAll(c);
  }
});
