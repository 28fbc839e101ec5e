// Number formats shared by the energy renderers: fixed decimals, so outputs are stable.

import type { Money } from './ledger.js';

/** `27.15 EUR`; several currencies joined with ` + `; nothing is `0.00`. */
export function formatMoney(money: Money): string {
  const parts = Object.entries(money)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, amount]) => `${fixed(amount, 2)}${currency ? ` ${currency}` : ''}`);
  return parts.length > 0 ? parts.join(' + ') : '0.00';
}

export function formatKWh(kWh: number): string {
  return `${fixed(kWh, kWh !== 0 && Math.abs(kWh) < 10 ? 2 : 1)} kWh`;
}

export function formatPercent(share: number): string {
  return `${fixed(share * 100, 0)} %`;
}

export function formatHours(hours: number): string {
  return `${fixed(hours, hours !== 0 && hours < 10 ? 1 : 0)} h`;
}

/** toFixed without `-0.00`. */
export function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}
