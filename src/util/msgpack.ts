// A minimal MessagePack reader, pure: enough to read borg's repository hints file (a map of maps of
// integers), never to write. Maps become JS Maps (keys as they are: numbers or strings), str and
// bin become strings and Buffers, ext types are refused. Throws on anything malformed or truncated.

export type MsgValue = null | boolean | number | bigint | string | Buffer | MsgValue[] | Map<MsgValue, MsgValue>;

/** Decodes the one MessagePack value `buf` holds (trailing bytes are an error). */
export function decodeMsgpack(buf: Buffer): MsgValue {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw new Error(`msgpack: truncated at byte ${at} (needs ${n} more)`);
  };
  const u = (n: 1 | 2 | 4) => {
    need(n);
    const v = n === 1 ? buf.readUInt8(at) : n === 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
    at += n;
    return v;
  };
  const big = (signed: boolean): number | bigint => {
    need(8);
    const v = signed ? buf.readBigInt64BE(at) : buf.readBigUInt64BE(at);
    at += 8;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const bytes = (n: number) => {
    need(n);
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const array = (n: number): MsgValue[] => Array.from({ length: n }, () => value());
  const map = (n: number): Map<MsgValue, MsgValue> => {
    const m = new Map<MsgValue, MsgValue>();
    for (let i = 0; i < n; i++) {
      const k = value();
      m.set(k, value());
    }
    return m;
  };
  function value(): MsgValue {
    const t = u(1);
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xf0) === 0x80) return map(t & 0x0f);
    if ((t & 0xf0) === 0x90) return array(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return bytes(t & 0x1f).toString('utf8');
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return Buffer.from(bytes(u(1)));
      case 0xc5: return Buffer.from(bytes(u(2)));
      case 0xc6: return Buffer.from(bytes(u(4)));
      case 0xca: need(4); at += 4; return buf.readFloatBE(at - 4);
      case 0xcb: need(8); at += 8; return buf.readDoubleBE(at - 8);
      case 0xcc: return u(1);
      case 0xcd: return u(2);
      case 0xce: return u(4);
      case 0xcf: return big(false);
      case 0xd0: need(1); at += 1; return buf.readInt8(at - 1);
      case 0xd1: need(2); at += 2; return buf.readInt16BE(at - 2);
      case 0xd2: need(4); at += 4; return buf.readInt32BE(at - 4);
      case 0xd3: return big(true);
      case 0xd9: return bytes(u(1)).toString('utf8');
      case 0xda: return bytes(u(2)).toString('utf8');
      case 0xdb: return bytes(u(4)).toString('utf8');
      case 0xdc: return array(u(2));
      case 0xdd: return array(u(4));
      case 0xde: return map(u(2));
      case 0xdf: return map(u(4));
      default: throw new Error(`msgpack: unsupported type byte 0x${t.toString(16)} at byte ${at - 1}`);
    }
  }
  const v = value();
  if (at !== buf.length) throw new Error(`msgpack: ${buf.length - at} trailing byte(s)`);
  return v;
}
