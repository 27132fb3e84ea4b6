// Netkey sealing (tap-protocol.md §5) and the profile login's password hash (§2) with WebCrypto:
// HKDF-SHA256 keys, AES-128-GCM frames with header ‖ topic as additional data, a replay window for
// what the Tap sends, PBKDF2-HMAC-SHA1 password hashes. WebCrypto exists only in a secure context
// (https, or http on localhost): cryptoAvailable() says so before anything is attempted.

const enc = new TextEncoder();
export const ToTap = 0;
export const FromTap = 1;
const HEADER = 18;
const TAG = 16;
const WINDOW_S = 300;

export function cryptoAvailable() { return !!globalThis.crypto?.subtle; }

// 16 raw key bytes for one direction.
export async function deriveKeyBytes(netkey, serial, direction) {
  const ikm = await crypto.subtle.importKey('raw', enc.encode(netkey), 'HKDF', false, ['deriveBits']);
  const info = direction === ToTap ? 'tapmq netkey v1 to-tap' : 'tapmq netkey v1 from-tap';
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: enc.encode(serial), info: enc.encode(info) }, ikm, 128);
  return new Uint8Array(bits);
}

async function aesKey(bytes) {
  return crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function aad(header, topic) {
  const t = enc.encode(topic);
  const out = new Uint8Array(header.length + t.length);
  out.set(header); out.set(t, header.length);
  return out;
}

export class Sealer {
  // sender: a random non-zero u32 unless given (tests give the spec's)
  static async create(netkey, serial, direction, sender) {
    const s = new Sealer();
    s.key = await aesKey(await deriveKeyBytes(netkey, serial, direction));
    s.direction = direction;
    s.sender = sender ?? (crypto.getRandomValues(new Uint32Array(1))[0] || 1);
    s.counter = 0n;
    return s;
  }

  async seal(topic, plaintext, nowS = Math.floor(Date.now() / 1000), counter) {
    this.counter = counter !== undefined ? BigInt(counter) : this.counter + 1n;
    const header = new Uint8Array(HEADER);
    const v = new DataView(header.buffer);
    v.setUint8(0, 1); v.setUint8(1, this.direction); v.setUint32(2, this.sender);
    v.setBigUint64(6, this.counter); v.setUint32(14, nowS);
    const iv = header.slice(2, 14);
    const ct = new Uint8Array(await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(header, topic), tagLength: 128 }, this.key, plaintext));
    const out = new Uint8Array(HEADER + ct.length);
    out.set(header); out.set(ct, HEADER);
    return out;
  }
}

export class OpenError extends Error {}

export class Opener {
  static async create(netkey, serial, direction) {
    const o = new Opener();
    o.key = await aesKey(await deriveKeyBytes(netkey, serial, direction));
    o.direction = direction;
    o.seen = new Map(); // sender -> {top: bigint, bits: Set of counters within 64 below top}
    return o;
  }

  async open(frame, topic, nowS = Math.floor(Date.now() / 1000)) {
    if (frame.length < HEADER + TAG) throw new OpenError('too short to be sealed');
    const header = frame.slice(0, HEADER);
    const v = new DataView(header.buffer);
    if (v.getUint8(0) !== 1) throw new OpenError('unknown version');
    if (v.getUint8(1) !== this.direction) throw new OpenError('wrong direction');
    const sender = v.getUint32(2);
    const counter = v.getBigUint64(6);
    if (sender === 0 || counter === 0n) throw new OpenError('sender or counter is 0');
    if (Math.abs(v.getUint32(14) - nowS) > WINDOW_S) throw new OpenError('stale (clock differs by more than 300 s)');
    const st = this.seen.get(sender);
    if (st && (counter + 64n <= st.top || st.bits.has(counter))) throw new OpenError('replayed');
    let plain;
    try {
      plain = new Uint8Array(await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: header.slice(2, 14), additionalData: aad(header, topic), tagLength: 128 },
        this.key, frame.slice(HEADER)));
    } catch {
      throw new OpenError('does not verify (wrong netkey, or altered)');
    }
    const s = st ?? { top: 0n, bits: new Set() };
    s.bits.add(counter);
    if (counter > s.top) s.top = counter;
    for (const c of s.bits) if (c + 64n <= s.top) s.bits.delete(c);
    this.seen.set(sender, s);
    return plain;
  }
}

// PBKDF2-HMAC-SHA1(password, "n0 salt in 1oTi2e", 4096, 16 bytes)
export async function passwordHash(password) {
  const k = await crypto.subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-1', salt: enc.encode('n0 salt in 1oTi2e'), iterations: 4096 }, k, 128);
  return new Uint8Array(bits);
}

// The /1024//0 login payload: user (16 bytes, zero padded) ‖ password hash (16 bytes)
export async function loginPayload(user, password) {
  const u = enc.encode(user);
  if (u.length < 1 || u.length > 16) throw new Error('a profile name has 1 to 16 bytes');
  const out = new Uint8Array(32);
  out.set(u); out.set(await passwordHash(password), 16);
  return out;
}
