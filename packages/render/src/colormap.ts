/**
 * Colormaps as 256-entry lookup tables, indexed the way matplotlib indexes its colormaps:
 * t in [0, 1] → entry floor(t × 256), clamped to 0…255 (so t = 1 is the last entry).
 */

/** The colormaps a caller can pick. `viridis` is matplotlib's default; `RdBu_r` suits weights. */
export type ColormapName = 'viridis' | 'gray' | 'gray_r' | 'RdBu_r';

/** Every table this package draws with (`Blues` only for the confusion matrix). */
export type LutName = ColormapName | 'Blues';

/** An RGB colour, each channel 0…255. */
export type Rgb = [number, number, number];

const LUT_SIZE = 256;

/** matplotlib's `_viridis_data` (256 entries), each channel rounded to a byte, as hex. */
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467' +
  '48166848176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677' +
  '482878482979472a7a472c7a472d7b472e7c472f7d46307e46327e46337f463480453581453781453882' +
  '443983443a83443b84433d84433e85423f854240864241864142874144874045884046883f47883f4889' +
  '3e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c' +
  '38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e' +
  '31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e2c728e2c738e' +
  '2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d' +
  '218f8d21908d21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a' +
  '1e9c891e9d891f9e891f9f881fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a884' +
  '23a98324aa8325ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b' +
  '32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf7046c06f48c16e' +
  '4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc8635ec96260ca6063cb5f65cb5e' +
  '67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d84d44b86d549' +
  '89d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11c' +
  'd2e21bd5e21ad8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61e' +
  'f6e620f8e621fbe723fde725';

/** matplotlib's `RdBu` segment stops (ColorBrewer, 11 classes), red → white → blue. */
const RDBU_STOPS_HEX = '67001fb2182bd6604df4a582fddbc7f7f7f7d1e5f092c5de4393c32166ac053061';
/** matplotlib's `Blues` segment stops (ColorBrewer, 9 classes), white → dark blue. */
const BLUES_STOPS_HEX = 'f7fbffdeebf7c6dbef9ecae16baed64292c62171b508519c08306b';

function parseHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A table interpolated linearly between evenly spaced stops, like `LinearSegmentedColormap`. */
function interpolated(stopsHex: string): Uint8Array {
  const stops = parseHex(stopsHex);
  const segments = stops.length / 3 - 1;
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const x = (i / (LUT_SIZE - 1)) * segments;
    const k = Math.min(segments - 1, Math.floor(x));
    const f = x - k;
    for (let c = 0; c < 3; c++) {
      const a = stops[k * 3 + c] ?? 0;
      const b = stops[(k + 1) * 3 + c] ?? 0;
      lut[i * 3 + c] = Math.round(a + (b - a) * f);
    }
  }
  return lut;
}

function reversed(lut: Uint8Array): Uint8Array {
  const out = new Uint8Array(lut.length);
  for (let i = 0; i < LUT_SIZE; i++) {
    const j = LUT_SIZE - 1 - i;
    out[i * 3] = lut[j * 3] ?? 0;
    out[i * 3 + 1] = lut[j * 3 + 1] ?? 0;
    out[i * 3 + 2] = lut[j * 3 + 2] ?? 0;
  }
  return out;
}

function grayRamp(): Uint8Array {
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
  return lut;
}

const BUILDERS: Readonly<Record<LutName, () => Uint8Array>> = {
  viridis: () => parseHex(VIRIDIS_HEX),
  gray: grayRamp,
  gray_r: () => reversed(grayRamp()),
  RdBu_r: () => reversed(interpolated(RDBU_STOPS_HEX)),
  Blues: () => interpolated(BLUES_STOPS_HEX),
};

/** Built tables; constant data, computed once on first use. */
const tables = new Map<LutName, Uint8Array>();

export function isColormapName(name: unknown): name is ColormapName {
  return name === 'viridis' || name === 'gray' || name === 'gray_r' || name === 'RdBu_r';
}

/** The 256 × RGB table of a colormap (do not modify it). */
export function colormapTable(name: LutName): Uint8Array {
  let lut = tables.get(name);
  if (!lut) {
    const build = Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
    if (!build) throw new RangeError(`unknown colormap ${JSON.stringify(name)}`);
    lut = build();
    tables.set(name, lut);
  }
  return lut;
}

/** The table index for t in [0, 1]; clamps, and maps NaN to 0. */
export function lutIndex(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return LUT_SIZE - 1;
  return Math.min(LUT_SIZE - 1, Math.floor(t * LUT_SIZE));
}

/** A colormap as a function: t in [0, 1] → RGB 0…255; t outside [0, 1] clamps to the ends. */
export function colormap(name: ColormapName): (t: number) => Rgb {
  if (!isColormapName(name)) throw new RangeError(`unknown colormap ${JSON.stringify(name)}`);
  const lut = colormapTable(name);
  return (t: number): Rgb => {
    const i = lutIndex(t) * 3;
    return [lut[i] ?? 0, lut[i + 1] ?? 0, lut[i + 2] ?? 0];
  };
}

/** `#rrggbb` of an RGB colour. */
export function rgbHex([r, g, b]: Rgb): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}
