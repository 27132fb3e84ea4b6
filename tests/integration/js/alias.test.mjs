// Topic aliases with a real client, both directions (3.3.2.3.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, Inbox, closeAll, uid } from './helpers.mjs';

test('client -> broker topic alias (MQTT-3.3.2-12)', { timeout: 15000 }, async () => {
  const { client: sub } = await connect();
  const { client: pub, connack } = await connect();
  try {
    const max = connack.properties?.topicAliasMaximum ?? 0;
    assert.ok(max >= 1, `broker advertises Topic Alias Maximum ${max}`);
    const inbox = new Inbox(sub);
    const topic = uid('js/ta');
    await sub.subscribeAsync(topic, { qos: 1 });
    await pub.publishAsync(topic, 'first', { qos: 1, properties: { topicAlias: 1 } });
    await pub.publishAsync('', 'second', { qos: 1, properties: { topicAlias: 1 } });
    const got = await inbox.take(2);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [[topic, 'first'], [topic, 'second']]);
  } finally {
    await closeAll(sub, pub);
  }
});

test('broker -> client topic aliases are within the client maximum and resolved (MQTT-3.3.2-11)', { timeout: 15000 }, async () => {
  const { client: sub } = await connect({ properties: { topicAliasMaximum: 3 } });
  const { client: pub } = await connect();
  try {
    const inbox = new Inbox(sub);
    const base = uid('js/tb');
    await sub.subscribeAsync(`${base}/#`, { qos: 1 });
    const topics = [];
    for (let i = 0; i < 12; i += 1) topics.push(`${base}/t${i % 4}`);
    for (const [i, t] of topics.entries()) await pub.publishAsync(t, `m${i}`, { qos: 1 });
    const got = await inbox.take(topics.length);
    assert.deepEqual(got.map((m) => m.topic), topics);
    const aliases = got.map((m) => m.packet.properties?.topicAlias).filter((a) => a !== undefined);
    // The broker must actually use aliases (4 topics, 3 aliases, each topic repeated 3 times)...
    assert.ok(aliases.length > 0, 'the broker sent no topic alias to a client that allows 3');
    // ...and only within the client's maximum.
    for (const alias of aliases) assert.ok(alias >= 1 && alias <= 3, `alias ${alias} out of range`);
  } finally {
    await closeAll(sub, pub);
  }
});
