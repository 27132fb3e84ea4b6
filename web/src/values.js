// A variable's raw big-endian bytes <-> numbers, by its type (tap-protocol.md §3: values on the
// wire are big-endian), with the checks a write needs so a refusal is explained before sending.

const TYPES = {
  int8: [1, 'getInt8', 'setInt8', -128, 127], uint8: [1, 'getUint8', 'setUint8', 0, 255],
  int16: [2, 'getInt16', 'setInt16', -32768, 32767], uint16: [2, 'getUint16', 'setUint16', 0, 65535],
  int32: [4, 'getInt32', 'setInt32', -2147483648, 2147483647],
  uint32: [4, 'getUint32', 'setUint32', 0, 4294967295],
  float32: [4, 'getFloat32', 'setFloat32', -3.4028234663852886e38, 3.4028234663852886e38],
  float64: [8, 'getFloat64', 'setFloat64', -Number.MAX_VALUE, Number.MAX_VALUE],
};

export function sizeOf(type) { return TYPES[type][0]; }
export function isInteger(type) { return !type.startsWith('float'); }
export function variableSize(v) { return sizeOf(v.type) * (v.count ?? 1); }

// bytes -> one number per element
export function decodeValue(v, bytes) {
  const [size, getter] = TYPES[v.type];
  const n = v.count ?? 1;
  if (bytes.length !== size * n) throw new Error(`${v.name}: ${bytes.length} bytes, expected ${size * n}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let i = 0; i < n; i++) out.push(view[getter](i * size, false));
  return out;
}

// A bundle's concatenated values -> Map name -> numbers
export function splitBundle(vars, bytes) {
  const out = new Map();
  let at = 0;
  for (const v of vars) {
    const size = variableSize(v);
    out.set(v.name, decodeValue(v, bytes.subarray(at, at + size)));
    at += size;
  }
  if (at !== bytes.length) throw new Error(`bundle answer has ${bytes.length} bytes, expected ${at}`);
  return out;
}

// number (or numbers) -> bytes; throws an Error saying what is wrong
export function encodeValue(v, value) {
  const [size, , setter, lo, hi] = TYPES[v.type];
  const values = Array.isArray(value) ? value : [value];
  if (values.length !== (v.count ?? 1)) throw new Error(`${v.name} takes ${v.count ?? 1} value(s)`);
  const out = new Uint8Array(size * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${v.name}: not a number`);
    if (isInteger(v.type) && !Number.isInteger(x)) throw new Error(`${v.name}: a whole number is needed`);
    if (x < lo || x > hi) throw new Error(`${v.name}: ${x} is outside ${v.type} (${lo} to ${hi})`);
    if (v.min !== undefined && x < v.min) throw new Error(`${v.name}: ${x} is below the minimum ${v.min}`);
    if (v.max !== undefined && x > v.max) throw new Error(`${v.name}: ${x} is above the maximum ${v.max}`);
    if (v.choices?.length && !v.choices.some((c) => c.value === x)) {
      throw new Error(`${v.name}: ${x} is not one of ${v.choices.map((c) => c.label).join(', ')}`);
    }
    view[setter](i * size, x, false);
  });
  return out;
}

// How a value reads: a choice's label, on/off text, or the number with its unit.
export function formatValue(v, values) {
  const one = (x) => {
    if (v.choices?.length) return v.choices.find((c) => c.value === x)?.label ?? String(x);
    if (v.render === 'switch') return x ? v.on_text || 'on' : v.off_text || 'off';
    if (!isInteger(v.type)) return Math.abs(x) >= 1000 || x === 0 ? x.toFixed(1) : x.toPrecision(4);
    return String(x);
  };
  return values.map(one).join(', ');
}
