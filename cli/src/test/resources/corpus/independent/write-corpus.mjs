// Writes the independent writers' part of Iris's test corpus: the same small MedTrinity-layout
// table (id, caption, image {bytes, path}) through two parquet writers that share no code with
// Iris or with each other:
//   parquet-wasm-zstd.parquet   Rust's parquet crate (parquet-wasm) from an Arrow table (apache-arrow), ZSTD
//   hyparquet-snappy.parquet    hyparquet-writer (plain JavaScript), SNAPPY
// Both have row groups of 5 rows. expected.json lists every row with its caption exactly as
// written and what a reader should make of it ("ok" or the skip reason).
// Usage (see README.md): node write-corpus.mjs OUT_DIR
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import * as arrow from 'apache-arrow'
import * as pw from 'parquet-wasm'
import { parquetWriteBuffer } from 'hyparquet-writer'

const out = process.argv[2] ?? '.'
mkdirSync(out, { recursive: true })

// ---- PNG encoding, by hand (8-bit RGB, no filter): independent of any Java image code
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (1 + 3 * size))
  for (let y = 0; y < size; y++) {
    const row = y * (1 + 3 * size)
    raw[row] = 0 // filter type None
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), row + 1 + 3 * x)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8 bits, RGB, deflate, adaptive filtering, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

/** A dark 32x32 "scan" with a bright round lesion centred at (cx, cy) of radius r. */
function lesion(cx, cy, r, tint) {
  return png(32, (x, y) => {
    const d = Math.hypot(x - cx, y - cy)
    const base = 20 + ((x * 7 + y * 3) % 11) // faint texture
    if (d <= r) return [Math.min(255, 200 + tint[0]), Math.min(255, 200 + tint[1]), Math.min(255, 200 + tint[2])]
    return [base, base, base + 5]
  })
}

// ---- the rows: free-text radiology-style captions; a few rows are bad on purpose
const rows = [
  { id: 'ind-00', caption: 'Axial CT of the chest shows a bright, round 5 mm nodule in the upper left lobe; no effusion.',
    image: { bytes: lesion(8, 8, 4, [40, 0, 0]), path: null }, expect: 'ok' },
  { id: 'ind-01', caption: 'T2‑weighted MRI: a hyperintense lesion (≈12 mm) in the lower right quadrant, margins well defined.',
    image: { bytes: lesion(24, 24, 6, [0, 30, 0]), path: 'scan-01.png' }, expect: 'ok' },
  { id: 'ind-02', caption: 'Ultrasound at 7.5 MHz, resolution 200 µm: a bright focus upper right, 3 × 4 mm, no flow.',
    image: { bytes: lesion(24, 8, 3, [0, 0, 40]), path: null }, expect: 'ok' },
  { id: 'ind-03', caption: '胸部CT显示左下肺有一个明亮的圆形结节，直径约8毫米。',
    image: { bytes: lesion(8, 24, 5, [20, 20, 0]), path: null }, expect: 'ok' },
  { id: 'ind-04', caption: 'Follow-up scan 🩻: the lesion in the centre shrank from 10 mm to 6 mm — partial response 👍.',
    image: { bytes: lesion(16, 16, 5, [30, 10, 10]), path: null }, expect: 'ok' },
  { id: 'ind-05', caption: null, image: { bytes: lesion(16, 8, 4, [0, 0, 0]), path: null }, expect: 'empty caption' },
  { id: 'ind-06', caption: 'This row has no image at all, so it cannot be trained on.', image: null, expect: 'missing image' },
  { id: 'ind-07', caption: 'Struct present, bytes and path both null.', image: { bytes: null, path: null }, expect: 'missing image' },
  { id: 'ind-08', caption: 'The image path names a file that does not exist.', image: { bytes: null, path: 'no-such-scan.png' },
    expect: 'image file not found' },
  { id: 'ind-09', caption: '   \t  ', image: { bytes: lesion(8, 16, 4, [10, 0, 30]), path: null }, expect: 'empty caption' },
  { id: 'ind-10', caption: 'Garbage bytes where a PNG should be.', image: { bytes: Buffer.from('not an image, just text\x00\x01\x02'), path: null },
    expect: 'undecodable image' },
  { id: 'ind-11', caption: 'Coronal reconstruction, slice 42/120; bright lesion lower left, 9 mm, "suspicious" per report.',
    image: { bytes: lesion(7, 25, 5, [50, 50, 0]), path: null }, expect: 'ok' },
  { id: 'ind-12', caption: 'Sagittal view: no focal lesion; background texture only, SNR ≈ 35 dB.',
    image: { bytes: png(32, (x, y) => { const v = 20 + ((x * 7 + y * 3) % 11); return [v, v, v + 5] }), path: null }, expect: 'ok' },
]

writeFileSync(join(out, 'expected.json'), JSON.stringify(rows.map(r => ({
  id: r.id, caption: r.caption, expect: r.expect,
})), null, 2) + '\n')

// ---- writer 1: parquet-wasm (Rust parquet crate), from an Arrow table, ZSTD, row groups of 5
const imageType = new arrow.Struct([
  new arrow.Field('bytes', new arrow.Binary(), true),
  new arrow.Field('path', new arrow.Utf8(), true),
])
const table = new arrow.Table({
  id: arrow.vectorFromArray(rows.map(r => r.id), new arrow.Utf8()),
  caption: arrow.vectorFromArray(rows.map(r => r.caption), new arrow.Utf8()),
  image: arrow.vectorFromArray(rows.map(r => r.image && {
    bytes: r.image.bytes && new Uint8Array(r.image.bytes), path: r.image.path,
  }), imageType),
})
const props = new pw.WriterPropertiesBuilder()
  .setCompression(pw.Compression.ZSTD)
  .setMaxRowGroupSize(5)
  .build()
const wasmTable = pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))
writeFileSync(join(out, 'parquet-wasm-zstd.parquet'), pw.writeParquet(wasmTable, props))

// ---- writer 2: hyparquet-writer (JavaScript), SNAPPY, row groups of 5, explicit nested schema
const buffer = parquetWriteBuffer({
  columnData: [
    { name: 'id', data: rows.map(r => r.id) },
    { name: 'caption', data: rows.map(r => r.caption) },
    { name: 'image', data: rows.map(r => r.image && {
      bytes: r.image.bytes && new Uint8Array(r.image.bytes), path: r.image.path,
    }) },
  ],
  schema: [
    { name: 'root', num_children: 3 },
    { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'caption', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
    { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  ],
  codec: 'SNAPPY',
  rowGroupSize: 5,
})
writeFileSync(join(out, 'hyparquet-snappy.parquet'), Buffer.from(buffer))

// the one image a row names by path (ind-01 also carries bytes; the path is where HF would keep it)
writeFileSync(join(out, 'scan-01.png'), rows[1].image.bytes)
console.log(`wrote ${rows.length} rows to each of parquet-wasm-zstd.parquet and hyparquet-snappy.parquet in ${out}`)
