/**
 * The Teams app icons, drawn in code so they can be regenerated without an image editor: a ring (the
 * gateway) crossed by a pulse line (the check-up). Teams wants a 192x192 full-colour icon and a 32x32
 * outline icon that is white on transparent.
 */
import { encodePng } from './png';

/** Background of the colour icon; also the manifest's accentColor. */
export const ICON_ACCENT = '#0F766E';

/** A point in the unit square (0..1 on both axes, y downwards). */
type Point = readonly [number, number];

const RING = { center: [0.5, 0.5] as Point, radius: 0.34, width: 0.075 };
const PULSE: readonly Point[] = [
  [0.1, 0.53],
  [0.34, 0.53],
  [0.42, 0.33],
  [0.52, 0.72],
  [0.6, 0.42],
  [0.66, 0.53],
  [0.9, 0.53],
];
const PULSE_WIDTH = 0.075;
/** Sub-samples per axis for anti-aliased edges. */
const SAMPLES = 4;

/** The 192x192 colour icon: white glyph on the accent colour, full bleed. */
export function drawColorIcon(size = 192): Buffer {
  const [r, g, b] = hexToRgb(ICON_ACCENT);
  return drawIcon(size, 0.12, (coverage) => {
    const mix = (base: number) => Math.round(base + (255 - base) * coverage);
    return [mix(r), mix(g), mix(b), 255];
  });
}

/** The 32x32 outline icon: white glyph, transparency everywhere else. */
export function drawOutlineIcon(size = 32): Buffer {
  return drawIcon(size, 0.02, (coverage) => [255, 255, 255, Math.round(255 * coverage)]);
}

function drawIcon(size: number, margin: number, shade: (coverage: number) => [number, number, number, number]): Buffer {
  const pixels = new Uint8Array(size * size * 4);
  const scale = 1 - 2 * margin;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inside = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const u = ((x + (sx + 0.5) / SAMPLES) / size - margin) / scale;
          const v = ((y + (sy + 0.5) / SAMPLES) / size - margin) / scale;
          if (insideGlyph([u, v])) inside++;
        }
      }
      pixels.set(shade(inside / (SAMPLES * SAMPLES)), (y * size + x) * 4);
    }
  }
  return encodePng(size, size, pixels);
}

function insideGlyph(p: Point): boolean {
  const ringDistance = Math.abs(Math.hypot(p[0] - RING.center[0], p[1] - RING.center[1]) - RING.radius);
  if (ringDistance <= RING.width / 2) return true;
  for (let i = 1; i < PULSE.length; i++) {
    if (distanceToSegment(p, PULSE[i - 1] as Point, PULSE[i] as Point) <= PULSE_WIDTH / 2) return true;
  }
  return false;
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const along = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - (a[0] + along * dx), p[1] - (a[1] + along * dy));
}

function hexToRgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
