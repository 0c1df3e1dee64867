// borg 1.2's own repository files, read without borg (the free-space preflight reads them before
// any borg runs): the index's header (how many objects, in how many hash buckets of how many bytes)
// and the hints file (which segments hold freed space and wait for compaction). Pure parsers, and
// the hash table's growth as borg's hashindex.c does it.
import { decode } from '@msgpack/msgpack';

export interface IndexHeader {
  /** Objects in the repository. */
  entries: number;
  /** Hash buckets (the table's size). */
  buckets: number;
  /** Bytes per bucket (key + value: 32 + 8 for a repository index). */
  bucketBytes: number;
}

/** The index file's fixed header: magic 'BORG_IDX', num_entries and num_buckets (int32 LE), key_size, value_size (int8). */
export const INDEX_HEADER_BYTES = 18;

/** The header of a borg 1.x hashindex file (`index.N`), or undefined when `head` is not one. Pure. */
export function parseIndexHeader(head: Buffer): IndexHeader | undefined {
  if (head.length < INDEX_HEADER_BYTES || head.subarray(0, 8).toString('latin1') !== 'BORG_IDX') return undefined;
  const entries = head.readInt32LE(8);
  const buckets = head.readInt32LE(12);
  const bucketBytes = head.readInt8(16) + head.readInt8(17);
  if (entries < 0 || buckets <= 0 || bucketBytes <= 0) return undefined;
  return { entries, buckets, bucketBytes };
}

/** borg's hashindex sizes (hashindex.c `hash_sizes`): a table grows to the next one. */
export const HASH_SIZES = [
  1031, 2053, 4099, 8209, 16411, 32771, 65537, 131101, 262147, 445649, 757607, 1287917, 2189459, 3065243, 4291319, 6007867, 8410991, 11775359, 16485527, 23079703,
  32311595, 45236203, 63330683, 88663027, 124128263, 173779595, 243291407, 340608001, 476851247, 667591751, 934628471, 1308479803, 1831871747, 2147483647,
];
/** hashindex.c HASH_MAX_LOAD: the table grows once more entries than this share of its buckets are used. */
export const HASH_MAX_LOAD = 0.75;

/** The buckets of a table of `buckets` once it holds `entries` (it never shrinks here). Pure. */
export function bucketsFor(entries: number, buckets: number): number {
  let size = Math.max(buckets, HASH_SIZES[0]!);
  for (const s of HASH_SIZES) if (s > size && entries > size * HASH_MAX_LOAD) size = s;
  return size;
}

/** The bytes of an index file of `buckets` buckets of `bucketBytes`. */
export const indexFileBytes = (buckets: number, bucketBytes: number) => INDEX_HEADER_BYTES + buckets * bucketBytes;

/** Segments that hold freed space (hints `compact`: segment number → bytes freed), or undefined when `bytes` is not a hints file. Pure. */
export function parseHintsCompact(bytes: Buffer): Map<number, number> | undefined {
  let doc: unknown;
  try {
    // Map keys are str, or bin in files an older msgpack wrote (read as text); integer keys come as their digits.
    doc = decode(bytes, { mapKeyConverter: (k) => (k instanceof Uint8Array ? Buffer.from(k).toString('latin1') : (k as string | number)) });
  } catch {
    return undefined;
  }
  const compact = isRecord(doc) ? doc.compact : undefined;
  if (!isRecord(compact)) return undefined;
  const out = new Map<number, number>();
  for (const [k, v] of Object.entries(compact)) if (/^\d+$/.test(k) && typeof v === 'number') out.set(Number(k), v);
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
