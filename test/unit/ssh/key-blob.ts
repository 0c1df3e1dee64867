// A fake public-key blob in SSH wire format (type name, then a 32-byte body of `fill`), for known_hosts tests.
export function blob(type: string, fill: number): Buffer {
  const name = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  const body = Buffer.alloc(36, fill);
  body.writeUInt32BE(32, 0);
  return Buffer.concat([len, name, body]);
}
