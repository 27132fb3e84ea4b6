// The spec's test vectors (tap-protocol.md §1, §2, §5) checked in this browser: the APDU, the
// "admin" password hash, both netkey keys, and both sealed frames byte for byte, then opened back.
// Shown on the #/selftest page and callable as window.tapmqSelfTest() (the browser tests do).
import { Method, encodeRequestApdu, fromHex, toHex } from './tap.js';
import { FromTap, Opener, Sealer, ToTap, cryptoAvailable, deriveKeyBytes, passwordHash } from './seal.js';

const SERIAL = 'IoTzPr004100000000';
const NETKEY = 'testnetkey';
const PREFIX = `IOTIZE_DEV/${SERIAL}_DEV`;

export async function selfTest() {
  const results = [];
  const check = (name, got, want) => results.push({ name, ok: got === want, got, want });
  if (!cryptoAvailable()) {
    results.push({ name: 'WebCrypto available (secure context)', ok: false, got: 'no', want: 'yes' });
    return results;
  }
  const apdu = encodeRequestApdu(Method.GET, '/1024//9');
  check('APDU GET /1024//9', toHex(apdu), 'A2CA000007010400FFFF0009');
  check('password hash of "admin"', toHex(await passwordHash('admin')), '0155AFFC023AFF6882F56A4E0D9C5466');
  check('key to-tap', toHex(await deriveKeyBytes(NETKEY, SERIAL, ToTap)), '1C745905F44D283AD3C0EBC0C1010DBC');
  check('key from-tap', toHex(await deriveKeyBytes(NETKEY, SERIAL, FromTap)), '8E89BF9F8EFC117902C11EBB7E088512');

  const wantReq = '01000102030400000000000000016553F10084AA7C1C642DD98835A60811510E1842785C173D1AD02C85F3BBB704';
  const toTap = await Sealer.create(NETKEY, SERIAL, ToTap, 0x01020304);
  const req = await toTap.seal(`${PREFIX}/cmd`, apdu, 1700000000, 1);
  check('sealed request', toHex(req), wantReq);

  const resp = fromHex('45' + toHex(new TextEncoder().encode('Sensor_demo')) + '9000');
  const wantResp = '0101A0B0C0D000000000000000076553F10151E5FDCD9862E3FA5AEF631093B4F1B2D9FF2F0CE94D5F02FA5B9FBAAAD0';
  const fromTap = await Sealer.create(NETKEY, SERIAL, FromTap, 0xa0b0c0d0);
  check('sealed response', toHex(await fromTap.seal(`${PREFIX}/resp`, resp, 1700000001, 7)), wantResp);

  const opener = await Opener.create(NETKEY, SERIAL, FromTap);
  const opened = await opener.open(fromHex(wantResp), `${PREFIX}/resp`, 1700000001);
  check('response opened', toHex(opened), toHex(resp));
  let refused = 'accepted';
  try { await opener.open(fromHex(wantResp), `${PREFIX}/resp`, 1700000001); } catch (e) { refused = e.message; }
  check('replayed response refused', refused, 'replayed');
  const tampered = fromHex(wantResp); tampered[20] ^= 1;
  refused = 'accepted';
  try { await (await Opener.create(NETKEY, SERIAL, FromTap)).open(tampered, `${PREFIX}/resp`, 1700000001); } catch (e) { refused = e.message; }
  check('tampered response refused', refused, 'does not verify (wrong netkey, or altered)');
  return results;
}
