// Binary message format of the browser preview's WebSocket: the same calls as Electron IPC,
// with byte arrays (camera frames) carried raw instead of as JSON numbers.
// Layout: [u32 little-endian header length][header JSON, UTF-8][bytes...]; in the header each
// Uint8Array is replaced by {"$bytes": [offset, length]} into the bytes that follow. References
// come in order and never overlap, so a message can never decode into more bytes than it holds.

export interface WireCall {
  id: number;
  channel: string;
  args: unknown[];
}

export interface WireReply {
  id: number;
  result: unknown;
}

/** A main-to-renderer event pushed by the preview server. */
export interface WireEvent {
  event: string;
  payload: unknown;
}

const MARK = '$bytes';

export function encodeMessage(message: WireCall | WireReply | WireEvent): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const header = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      chunks.push(value);
      const ref = { [MARK]: [offset, value.byteLength] };
      offset += value.byteLength;
      return ref;
    }
    return value;
  });
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(4 + head.byteLength + offset);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  let at = 4 + head.byteLength;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Decodes a message; anything malformed throws, and the caller answers with an error. */
export function decodeMessage(data: Uint8Array): unknown {
  if (data.byteLength < 4) throw new Error('message too short');
  const headLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
  if (4 + headLength > data.byteLength) throw new Error('header length beyond message');
  const body = data.subarray(4 + headLength);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(4, 4 + headLength));
  // JSON.parse revives values in document order, so each reference must start where the last ended or later.
  let next = 0;
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && MARK in value) {
      const ref = (value as Record<string, unknown>)[MARK];
      if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((n) => Number.isInteger(n) && n >= 0))
        throw new Error('bad byte reference');
      const [start, length] = ref as [number, number];
      if (start + length > body.byteLength) throw new Error('byte reference beyond message');
      if (start < next) throw new Error('byte references overlap or repeat');
      next = start + length;
      return body.slice(start, start + length);
    }
    return value;
  });
}
