import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../src/shared/wire';

function raw(header: unknown, body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  out.set(body, 4 + head.byteLength);
  return out;
}

describe('preview wire format', () => {
  it('round-trips calls with byte arrays', () => {
    const frame = new Uint8Array([1, 2, 3, 4]);
    const msg = { id: 7, channel: 'frame:analyze', args: [{ data: frame, width: 1 }, new Uint8Array([9])] };
    expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
  });

  it('refuses a message whose byte references repeat or overlap (one small message must not decode into a huge one)', () => {
    const body = new Uint8Array(4096);
    const repeated = { id: 1, channel: 'x', args: Array.from({ length: 200 }, () => ({ $bytes: [0, 4096] })) };
    expect(() => decodeMessage(raw(repeated, body))).toThrow(/overlap or repeat/);
    expect(() => decodeMessage(raw({ id: 1, args: [{ $bytes: [0, 10] }, { $bytes: [5, 10] }] }, body))).toThrow(/overlap/);
    expect(decodeMessage(raw({ id: 1, args: [{ $bytes: [0, 10] }, { $bytes: [10, 10] }] }, body))).toMatchObject({ id: 1 });
  });

  it('refuses a header that is not UTF-8, or lengths beyond the message', () => {
    const bad = new Uint8Array([2, 0, 0, 0, 0xc3, 0x28]);
    expect(() => decodeMessage(bad)).toThrow();
    expect(() => decodeMessage(new Uint8Array([200, 0, 0, 0, 123]))).toThrow(/beyond/);
    expect(() => decodeMessage(raw({ a: { $bytes: [0, 99] } }, new Uint8Array(5)))).toThrow(/beyond/);
  });
});
