// Colours for avatars: a seed colour, darkened until white initials on it pass WCAG AA (4.5:1).

const PALETTE = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#dc2626', '#4f46e5', '#0d9488'];

function parseHex(hex: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance([r, g, b]: [number, number, number]): number {
  const ch = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
}

const cache = new Map<string, string>();

/** The colour to draw behind white text: the given one, darker if needed for contrast. */
export function readableBackground(color: string): string {
  const hit = cache.get(color);
  if (hit) return hit;
  let rgb = parseHex(color) ?? [79, 70, 229];
  for (let i = 0; i < 20 && 1.05 / (luminance(rgb) + 0.05) < 4.6; i++) {
    rgb = rgb.map((v) => Math.round(v * 0.9)) as [number, number, number];
  }
  const out = `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
  cache.set(color, out);
  return out;
}

/** A stable colour for a name or id (contacts have no colour of their own). */
export function colorFor(seed: string): string {
  let h = 7;
  for (const c of seed) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
