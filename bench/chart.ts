/**
 * The headline chart: one horizontal bar per (case, peer) ratio — peer median time /
 * replaydb median time — on a log scale around the 1.0 line, written as plain SVG text (no
 * libraries, no fonts to fetch, no scripts). A bar grows right of the line when replaydb is
 * faster and left when the peer is; each bar is labelled with its ratio. Cases are grouped
 * under their name in the order they ran.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BASELINE, repositoryRoot, type SystemResult } from './harness.js';

const WIDTH = 980;
const LABEL_WIDTH = 250;
const PLOT_LEFT = LABEL_WIDTH + 20;
const PLOT_RIGHT = WIDTH - 80;
const BAR_HEIGHT = 16;
const ROW_HEIGHT = 22;
const GROUP_HEADER = 24;
const TOP = 78;
const FONT = "font-family='-apple-system, BlinkMacSystemFont, \"Segoe UI\", Helvetica, Arial, sans-serif'";
const FASTER = '#2f855a';
const SLOWER = '#c05621';
const VARIANT = '#6b46c1';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Ratios as README and the chart print them: 3 significant digits from 1 to 100, whole numbers above, 2 decimals below 1. */
export function formatRatio(ratio: number): string {
  if (ratio >= 99.95) return `${Math.round(ratio)}×`;
  if (ratio >= 1) return `${ratio.toPrecision(3)}×`;
  if (ratio >= 0.01) return `${ratio.toFixed(2)}×`;
  return `${ratio.toPrecision(2)}×`;
}

/** A variant of the baseline ('replaydb/…') measured against it: neither "replaydb faster" nor "peer faster". */
function isVariant(system: string): boolean {
  return system.startsWith(`${BASELINE}/`);
}

/** 1-2-5 ticks per decade between `low` and `high` (powers of ten). */
function ticks(low: number, high: number): { value: number; major: boolean }[] {
  const result: { value: number; major: boolean }[] = [];
  for (let exponent = Math.log10(low); exponent <= Math.log10(high) + 1e-9; exponent++) {
    const decade = 10 ** exponent;
    for (const step of [1, 2, 5]) {
      const value = Number((decade * step).toPrecision(3));
      if (value <= high * (1 + 1e-9)) result.push({ value, major: step === 1 });
    }
  }
  return result;
}

function tickLabel(value: number): string {
  return `${value}×`;
}

/**
 * The chart for `results` (the harness's, any order of cases kept as run). `caption` is the
 * second title line: date, machine, run options.
 */
export function ratioChartSvg(results: SystemResult[], caption: string): string {
  const groups: { name: string; bars: { system: string; ratio: number; met?: boolean }[] }[] = [];
  for (const result of results) {
    if (result.ratio === undefined || !Number.isFinite(result.ratio) || result.ratio <= 0) continue;
    let group = groups.find((candidate) => candidate.name === result.case);
    if (!group) groups.push((group = { name: result.case, bars: [] }));
    group.bars.push({ system: result.system, ratio: result.ratio, met: result.target?.met });
  }
  const ratios = groups.flatMap((group) => group.bars.map((bar) => bar.ratio));
  const low = 10 ** Math.min(-1, Math.floor(Math.log10(Math.min(1, ...ratios)) - 0.35)); // room for a label left of the shortest bar
  const high = 10 ** Math.max(1, Math.ceil(Math.log10(Math.max(1, ...ratios)) + 0.05));
  const x = (ratio: number): number => PLOT_LEFT + ((Math.log10(ratio) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (PLOT_RIGHT - PLOT_LEFT);
  const plotHeight = groups.reduce((sum, group) => sum + GROUP_HEADER + group.bars.length * ROW_HEIGHT, 0);
  const bottom = TOP + plotHeight + 8;
  const height = bottom + 72;
  const out: string[] = [];
  out.push(
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${height}' viewBox='0 0 ${WIDTH} ${height}' ${FONT} font-size='13'>`,
    `<rect width='${WIDTH}' height='${height}' fill='#ffffff'/>`,
    `<text x='20' y='28' font-size='18' font-weight='600' fill='#1a202c'>replaydb against the alternatives: peer time ÷ replaydb time</text>`,
    `<text x='20' y='49' font-size='12.5' fill='#4a5568'>${escapeXml(caption)}</text>`,
  );
  if (groups.length === 0) {
    out.push(`<text x='20' y='${TOP + 10}' fill='#4a5568'>no ratios in this run (no peer ran beside replaydb)</text>`, '</svg>');
    return out.join('\n') + '\n';
  }
  // Grid and axis labels.
  for (const tick of ticks(low, high)) {
    const position = x(tick.value).toFixed(1);
    out.push(`<line x1='${position}' y1='${TOP - 6}' x2='${position}' y2='${bottom}' stroke='${tick.major ? '#cbd5e0' : '#edf2f7'}' stroke-width='1'/>`);
    if (tick.major || (high / low <= 1e3 && tick.value !== 1)) {
      out.push(`<text x='${position}' y='${bottom + 16}' text-anchor='middle' font-size='11' fill='${tick.major ? '#2d3748' : '#718096'}'>${tickLabel(tick.value)}</text>`);
    }
  }
  const one = x(1).toFixed(1);
  out.push(
    `<text x='${(x(1) + 8).toFixed(1)}' y='${TOP - 10}' font-size='11.5' fill='${FASTER}'>replaydb faster →</text>`,
    `<text x='${(x(1) - 8).toFixed(1)}' y='${TOP - 10}' font-size='11.5' fill='${SLOWER}' text-anchor='end'>← peer faster</text>`,
  );
  let y = TOP;
  groups.forEach((group, index) => {
    if (index % 2 === 1) out.push(`<rect x='12' y='${y}' width='${WIDTH - 24}' height='${GROUP_HEADER + group.bars.length * ROW_HEIGHT}' fill='#f7fafc'/>`);
    out.push(`<text x='20' y='${y + 16}' font-weight='600' fill='#1a202c'>${escapeXml(group.name)}</text>`);
    y += GROUP_HEADER;
    for (const bar of group.bars) {
      const end = x(bar.ratio);
      const start = x(1);
      const left = Math.min(start, end);
      const width = Math.max(1.5, Math.abs(end - start));
      const color = isVariant(bar.system) ? VARIANT : bar.ratio >= 1 ? FASTER : SLOWER;
      const middle = y + ROW_HEIGHT / 2;
      out.push(
        `<text x='${LABEL_WIDTH}' y='${middle + 4.5}' text-anchor='end' fill='#2d3748'>${escapeXml(bar.system)}</text>`,
        `<rect x='${left.toFixed(1)}' y='${(middle - BAR_HEIGHT / 2).toFixed(1)}' width='${width.toFixed(1)}' height='${BAR_HEIGHT}' rx='2' fill='${color}'/>`,
      );
      const label = `${formatRatio(bar.ratio)}${bar.met === undefined ? '' : bar.met ? ' ✓' : ' ✗'}`;
      if (bar.ratio >= 1) out.push(`<text x='${(end + 6).toFixed(1)}' y='${middle + 4.5}' fill='#1a202c' font-weight='600'>${escapeXml(label)}</text>`);
      else out.push(`<text x='${(end - 6).toFixed(1)}' y='${middle + 4.5}' text-anchor='end' fill='#1a202c' font-weight='600'>${escapeXml(label)}</text>`);
      y += ROW_HEIGHT;
    }
  });
  out.push(
    `<line x1='${one}' y1='${TOP - 6}' x2='${one}' y2='${bottom}' stroke='#1a202c' stroke-width='1.5'/>`,
    `<rect x='20' y='${bottom + 31}' width='10' height='10' fill='${FASTER}'/>`,
    `<text x='35' y='${bottom + 40}' font-size='11.5' fill='#4a5568'>replaydb faster</text>`,
    `<rect x='135' y='${bottom + 31}' width='10' height='10' fill='${SLOWER}'/>`,
    `<text x='150' y='${bottom + 40}' font-size='11.5' fill='#4a5568'>peer faster</text>`,
    `<rect x='235' y='${bottom + 31}' width='10' height='10' fill='${VARIANT}'/>`,
    `<text x='250' y='${bottom + 40}' font-size='11.5' fill='#4a5568'>a replaydb variant ÷ replaydb (&gt; 1: the variant is slower)</text>`,
    `<text x='20' y='${bottom + 58}' font-size='11.5' fill='#4a5568'>Log scale; medians of repetitions interleaved in one process. ✓/✗: the case's target on that ratio met or missed. Every number: bench/results/latest.json.</text>`,
    '</svg>',
  );
  return out.join('\n') + '\n';
}

/** Writes bench/results/latest.svg (beside latest.json; not committed). */
export function writeChart(svg: string): string {
  const path = join(repositoryRoot(), 'bench', 'results', 'latest.svg');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}
