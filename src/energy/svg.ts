// The month's charts as plain SVG strings (GitLab shows a committed .svg linked from markdown as
// an image). No library: three chart shapes, fixed sizes, numbers rounded so the output is stable.

import { formatKWh, formatMoney, formatPercent } from './format.js';
import type { EnergySummary } from './summary.js';
import { HOUR_MS, monthRange } from './time.js';

const W = 800;
const H = 320;
const M = { left: 84, right: 190, top: 40, bottom: 40 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#8c564b'];
const GAP_COLOR = '#f4a6a6';
const FONT = 'font-family="sans-serif" font-size="12"';

/** Power per node over the month, stacked: the top edge is the fleet's draw. */
export function renderPowerSvg(summary: EnergySummary): string {
  const { nodes, watts } = summary.series;
  const last = lastHour(summary);
  const step = Math.max(1, Math.ceil(summary.hoursInMonth / 248));
  const points: number[] = [];
  for (let k = 0; k <= last; k += step) points.push(k);
  const averaged = watts.map((series) => points.map((k) => mean(series.slice(k, Math.min(k + step, last + 1)))));
  const totals = points.map((_, i) => averaged.reduce((a, s) => a + s[i]!, 0));
  const yMax = niceMax(Math.max(0, ...totals));
  const x = (k: number) => M.left + (k / summary.hoursInMonth) * PW;
  const y = (v: number) => M.top + PH - (v / yMax) * PH;
  const body: string[] = [];
  const lower = points.map(() => 0);
  averaged.forEach((series, i) => {
    const upper = series.map((v, j) => lower[j]! + v);
    if (points.length > 0) {
      const top = points.map((k, j) => `${n(x(k))},${n(y(upper[j]!))}`);
      const bottom = points.map((k, j) => `${n(x(k))},${n(y(lower[j]!))}`).reverse();
      body.push(`<polygon points="${[...top, ...bottom].join(' ')}" fill="${color(i)}" fill-opacity="0.85" stroke="none"/>`);
    }
    upper.forEach((v, j) => (lower[j] = v));
  });
  const { start } = monthRange(summary.month);
  const hourX = (iso: string) => x((Date.parse(iso) - start) / HOUR_MS);
  const gaps = summary.gaps.map((g) => `<rect x="${n(hourX(g.from))}" y="${M.top}" width="${n(Math.max(1, hourX(g.to) - hourX(g.from)))}" height="${PH}" fill="${GAP_COLOR}" fill-opacity="0.35"/>`);
  return frame(`Power per node, ${summary.month} (W, stacked)`, [
    ...dayAxis(summary),
    ...valueAxis(yMax, 'W'),
    ...body,
    ...gaps,
    ...legend([...nodes.map((name, i) => ({ label: name, color: color(i) })), ...(gaps.length > 0 ? [{ label: 'no readings', color: GAP_COLOR }] : [])]),
  ]);
}

/** kWh and cost per tenant, as bars. */
export function renderTenantsSvg(summary: EnergySummary): string {
  const rows = summary.tenants;
  const rowH = 26;
  const height = Math.max(120, M.top + rows.length * rowH + 30);
  const labelW = 150;
  const barW = W - labelW - 230;
  const max = niceMax(Math.max(0, ...rows.map((t) => t.kWh)));
  const body: string[] = [];
  rows.forEach((t, i) => {
    const top = M.top + i * rowH;
    const width = max > 0 ? (t.kWh / max) * barW : 0;
    body.push(`<text x="${labelW - 8}" y="${n(top + 17)}" text-anchor="end" ${FONT}>${esc(t.tenant)}</text>`);
    body.push(`<rect x="${labelW}" y="${top + 4}" width="${n(width)}" height="${rowH - 8}" fill="${t.tenant === 'platform' ? '#bab0ac' : color(i)}"/>`);
    body.push(`<text x="${n(labelW + width + 6)}" y="${n(top + 17)}" ${FONT}>${esc(`${formatKWh(t.kWh)} · ${formatMoney(t.cost)}`)}</text>`);
  });
  if (rows.length === 0) body.push(`<text x="${labelW}" y="${M.top + 20}" ${FONT}>no consumption recorded yet</text>`);
  return svg(W, height, [title(`Energy per tenant, ${summary.month} (IT kWh; cost at the meter)`), ...body]);
}

/** Cumulative kWh this month against the same fleet always on; the band between is the saving. */
export function renderSavingsSvg(summary: EnergySummary): string {
  const { cumulativeKWh: actual, cumulativeAlwaysOnKWh: alwaysOn } = summary.series;
  const last = lastHour(summary);
  const step = Math.max(1, Math.ceil(summary.hoursInMonth / 248));
  const points: number[] = [];
  for (let k = 0; k <= last; k += step) points.push(k);
  if (points.length > 0 && points.at(-1) !== last) points.push(last);
  const yMax = niceMax(Math.max(0, ...alwaysOn.slice(0, last + 1), ...actual.slice(0, last + 1)));
  const x = (k: number) => M.left + ((k + 1) / summary.hoursInMonth) * PW;
  const y = (v: number) => M.top + PH - (v / yMax) * PH;
  const line = (series: number[]) => points.map((k) => `${n(x(k))},${n(y(series[k]!))}`);
  const body: string[] = [];
  if (points.length > 0) {
    body.push(`<polygon points="${[...line(alwaysOn), ...line(actual).reverse()].join(' ')}" fill="#59a14f" fill-opacity="0.25" stroke="none"/>`);
    body.push(`<polyline points="${line(alwaysOn).join(' ')}" fill="none" stroke="#7f7f7f" stroke-width="2" stroke-dasharray="6 4"/>`);
    body.push(`<polyline points="${line(actual).join(' ')}" fill="none" stroke="#2e7d32" stroke-width="2"/>`);
  }

  return frame(`Energy this month vs always on, ${summary.month} (kWh, cumulative)`, [
    ...dayAxis(summary),
    ...valueAxis(yMax, 'kWh'),
    ...body,
    ...legend([
      { label: 'always on', color: '#7f7f7f' },
      { label: 'actual', color: '#2e7d32' },
      { label: 'saved (shaded)', color: '#59a14f' },
      { label: `${formatKWh(summary.savedKWh)}, ${formatPercent(summary.savedShare)}`, color: '#ffffff' },
      { label: formatMoney(summary.savedCost), color: '#ffffff' },
    ]),
  ]);
}

/** Index of the last hour with data (the month so far); -1 when nothing was recorded. */
function lastHour(summary: EnergySummary): number {
  if (summary.updatedAt === undefined) return -1;
  const index = Math.floor((Date.parse(summary.updatedAt) - monthRange(summary.month).start) / HOUR_MS);
  return Math.min(summary.hoursInMonth - 1, index);
}

function frame(text: string, body: string[]): string {
  return svg(W, H, [title(text), `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#cccccc"/>`, ...body]);
}

function svg(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function title(text: string): string {
  return `<text x="${M.left}" y="24" font-family="sans-serif" font-size="15" font-weight="bold">${esc(text)}</text>`;
}

function dayAxis(summary: EnergySummary): string[] {
  const days = summary.hoursInMonth / 24;
  const out: string[] = [];
  for (let d = 0; d < days; d += 7) {
    const xx = n(M.left + ((d * 24) / summary.hoursInMonth) * PW);
    out.push(`<line x1="${xx}" y1="${M.top}" x2="${xx}" y2="${M.top + PH}" stroke="#eeeeee"/>`);
    out.push(`<text x="${xx}" y="${M.top + PH + 16}" text-anchor="middle" ${FONT}>${summary.month}-${String(d + 1).padStart(2, '0')}</text>`);
  }
  return out;
}

function valueAxis(max: number, unit: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i += 1) {
    const v = (max * i) / 4;
    const yy = n(M.top + PH - (PH * i) / 4);
    out.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + PW}" y2="${yy}" stroke="#eeeeee"/>`);
    out.push(`<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" ${FONT}>${trim(v)}${i === 4 ? ` ${unit}` : ''}</text>`);
  }
  return out;
}

function legend(items: { label: string; color: string }[]): string[] {
  const x0 = M.left + PW + 14;
  // Tighter rows when many nodes share the legend, so it stays beside the plot.
  const rowH = Math.min(18, (PH - 6) / Math.max(1, items.length));
  return items.flatMap((item, i) => {
    const yy = M.top + 6 + i * rowH;
    return [
      `<rect x="${x0}" y="${n(yy)}" width="12" height="${n(Math.min(12, rowH - 2))}" fill="${item.color}"/>`,
      `<text x="${x0 + 18}" y="${n(yy + Math.min(10, rowH - 4))}" ${FONT}>${esc(item.label)}</text>`,
    ];
  });
}

/** The smallest 1, 2, 2.5 or 5 times a power of ten at or above v (1 for nothing). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function n(v: number): string {
  return trim(Math.round(v * 10) / 10);
}

function trim(v: number): string {
  return String(Number(v.toFixed(2)));
}

function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
