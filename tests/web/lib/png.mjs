// Decodes a PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes
// them) with node's zlib, and judges whether a screenshot shows something:
// enough distinct colours and enough pixels that differ from the background
// (the most common colour).
import { inflateSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

// Returns {width, height, channels, pixels} with pixels as RGBA-less rows
// of `channels` bytes per pixel. Throws on a PNG it cannot read.
export function decodePng(buffer) {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => buffer[i] === b)) throw new Error('not a PNG file');
  let offset = 8;
  let width = 0; let height = 0; let bitDepth = 0; let colorType = 0; let interlace = 0;
  const idat = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
    throw new Error(`unsupported PNG (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace})`);
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = prev ? prev[x] : 0;
      const c = prev && x >= channels ? prev[x - channels] : 0;
      let v = line[x];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      out[x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

// Measures a screenshot: {width, height, colours, foreground} where colours
// counts distinct RGB values and foreground is the share of pixels that
// differ from the most common colour.
export function measurePng(buffer) {
  const { width, height, channels, pixels } = decodePng(buffer);
  const counts = new Map();
  for (let i = 0; i < pixels.length; i += channels) {
    const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  let background = 0;
  for (const n of counts.values()) if (n > background) background = n;
  const total = width * height;
  return { width, height, colours: counts.size, foreground: (total - background) / total };
}

// Minimums a screenshot must reach to count as not blank.
export const MIN_COLOURS = 24;
export const MIN_FOREGROUND = 0.03;

// Returns null when the file at `file` is a real screenshot, else a sentence
// saying why it looks blank.
export function blankReason(file) {
  const m = measurePng(readFileSync(file));
  if (m.width < 100 || m.height < 100) return `it is only ${m.width}x${m.height} pixels`;
  if (m.colours < MIN_COLOURS) return `it has only ${m.colours} distinct colours (at least ${MIN_COLOURS} needed)`;
  if (m.foreground < MIN_FOREGROUND) {
    return `only ${(m.foreground * 100).toFixed(1)}% of its pixels differ from the background (at least ${MIN_FOREGROUND * 100}% needed)`;
  }
  return null;
}
