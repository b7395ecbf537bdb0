// Draws the app icons (public/icons/icon-192.png and icon-512.png): a blue
// rounded square with a white calendar page. Uses only Node's built-in
// modules (zlib for the PNG data). Run: node tools/make-icons.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// RGBA pixel of the icon at (x, y) for size s.
function pixel(x, y, s) {
  const u = x / s;
  const v = y / s;
  const r = 0.18; // corner radius of the background, as a fraction
  const inRounded = (px, py, x0, y0, x1, y1, rad) => {
    const cx = Math.min(Math.max(px, x0 + rad), x1 - rad);
    const cy = Math.min(Math.max(py, y0 + rad), y1 - rad);
    return px >= x0 && px <= x1 && py >= y0 && py <= y1 && (px - cx) ** 2 + (py - cy) ** 2 <= rad * rad;
  };
  if (!inRounded(u, v, 0, 0, 1, 1, r)) return [0, 0, 0, 0];
  const blue = [29, 78, 216, 255];
  const white = [255, 255, 255, 255];
  const red = [220, 38, 38, 255];
  // The calendar page.
  if (inRounded(u, v, 0.2, 0.24, 0.8, 0.82, 0.06)) {
    if (v < 0.38) return red; // the page's header band
    // A 4 x 3 grid of day cells; one is marked.
    const gx = (u - 0.26) / 0.12;
    const gy = (v - 0.44) / 0.12;
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    if (ix >= 0 && ix < 4 && iy >= 0 && iy < 3 && gx - ix < 0.7 && gy - iy < 0.7) return ix === 2 && iy === 1 ? red : blue;
    return white;
  }
  // The two rings above the page.
  for (const rx of [0.35, 0.65]) if (inRounded(u, v, rx - 0.03, 0.17, rx + 0.03, 0.31, 0.03)) return white;
  return blue;
}

function png(size) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const p = pixel(x + 0.5, y + 0.5, size);
      raw.set(p, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
mkdirSync(out, { recursive: true });
for (const size of [192, 512]) writeFileSync(join(out, `icon-${size}.png`), png(size));
