// The Tap protocol's frames in the browser (tap-protocol.md §1): APDU requests and responses,
// result codes and their names, paths. Pure: bytes in, values out.

export const Method = { GET: 1, POST: 2, PUT: 3 };

const RESULT_NAMES = {
  0x41: 'Created', 0x42: 'Deleted', 0x44: 'Changed', 0x45: 'Content', 0x46: 'Busy',
  0x80: 'Bad Request', 0x81: 'Unauthorized', 0x84: 'Not Found', 0x85: 'Method Not Allowed',
  0x86: 'Not Acceptable', 0xa0: 'Internal Error', 0xa1: 'Not Implemented', 0xa3: 'Service Unavailable',
  0xa4: 'NVM error', 0xa5: 'unable to connect to target', 0xa6: 'target power failure', 0xa7: 'NVM full',
  0xb0: 'target protocol error: error', 0xb1: 'target protocol error: busy', 0xb2: 'target protocol error: real',
  0xb3: 'target protocol error: wrong param', 0xb4: 'target protocol error: forbidden',
  0xb5: 'target protocol error: data', 0xb6: 'target protocol error: parity',
  0xb7: 'target protocol error: lost com', 0xb8: 'target protocol error: param',
  0xb9: 'target protocol error: int', 0xba: 'target protocol error: abort',
  0xbb: 'target protocol error: not implemented',
};

export function hex2(n) { return '0x' + n.toString(16).toUpperCase().padStart(2, '0'); }

// "0x81 Unauthorized"
export function resultName(code) { return `${hex2(code)} ${RESULT_NAMES[code] ?? 'unknown'}`; }
export function isSuccess(code) { return (code & 0x80) === 0; }

// "/1028/1/1" -> [1028, 1, 1]; an empty part is absent (0xFFFF).
export function parsePath(text) {
  const parts = text.split('/');
  if (parts.length !== 4 || parts[0] !== '') throw new Error(`bad path ${text}`);
  return parts.slice(1).map((p) => (p === '' ? 0xffff : Number(p)));
}

export function encodeRequestApdu(method, path, payload = new Uint8Array(0)) {
  const [obj, inst, res] = typeof path === 'string' ? parsePath(path) : path;
  const req = new Uint8Array(7 + payload.length);
  const v = new DataView(req.buffer);
  v.setUint8(0, method); v.setUint16(1, obj); v.setUint16(3, inst); v.setUint16(5, res);
  req.set(payload, 7);
  const ins = method === Method.GET ? 0xca : 0xda;
  const lc = req.length <= 255 ? [req.length] : [0, req.length >> 8, req.length & 0xff];
  const out = new Uint8Array(4 + lc.length + req.length);
  out.set([0xa2, ins, 0, 0, ...lc]);
  out.set(req, 4 + lc.length);
  return out;
}

// APDU response -> {code, data}; throws when it is not one.
export function decodeResponseApdu(bytes) {
  if (bytes.length < 3 || bytes[bytes.length - 2] !== 0x90 || bytes[bytes.length - 1] !== 0x00) {
    throw new Error('not an APDU response (no 90 00 status word)');
  }
  return { code: bytes[0], data: bytes.slice(1, bytes.length - 2) };
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}
export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

// A topic from the prefix template: {serial} replaced.
export function prefixFor(template, serial) { return template.split('{serial}').join(serial); }

// The filter that matches every Tap's topic `leaf` ("status"), and a function that finds the serial
// in a matching topic: the level holding {serial} becomes '+'.
export function fleetFilter(template, leaf) {
  const levels = template.split('/');
  const at = levels.findIndex((l) => l.includes('{serial}'));
  const filter = levels.map((l, i) => (i === at ? '+' : l)).join('/') + '/' + leaf;
  const [before, after] = at >= 0 ? levels[at].split('{serial}') : ['', ''];
  const serialOf = (topic) => {
    const got = topic.split('/');
    if (at < 0 || got.length !== levels.length + 1) return null;
    const l = got[at];
    if (!l.startsWith(before) || !l.endsWith(after) || l.length <= before.length + after.length) return null;
    return l.slice(before.length, l.length - after.length);
  };
  return { filter, serialOf };
}
