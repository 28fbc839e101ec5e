// The energy model shared by the planner and the energy accounting: a node draws its idle watts
// plus a share of (max - idle) that grows with its load, every IT watt costs PUE watts at the
// meter, and a month is 730 hours. Load is the VMs' share of the node's usable memory: memory is
// what marmite reserves and never overcommits, so it is the figure the plan knows in advance.

import type { Site } from '../model/desired.js';
import type { EnergyEffect } from '../model/power.js';

export const HOURS_PER_MONTH = 730;

/** The part of a node (nodes/<node>) the model reads: its idle and busy watts. */
export interface WattsModel {
  power: { idleWatts: number; maxWatts: number };
}

/** The part of a node the load is measured against: the memory VMs may use. */
export interface UsableMemory {
  usable: { memoryMiB: number };
}

export interface EnergyPrice {
  pricePerKWh: number;
  currency: string;
  /** Power usage effectiveness of the site: meter watts per IT watt (1.0 = no cooling). */
  pue: number;
}

export function sitePrice(site: Pick<Site, 'electricity'> | undefined): EnergyPrice {
  return site ? { ...site.electricity } : { pricePerKWh: 0, currency: 'EUR', pue: 1 };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** IT watts of a node at a load between 0 (idle) and 1 (busy). */
export function nodeWatts(node: WattsModel, load: number): number {
  const { idleWatts, maxWatts } = node.power;
  return idleWatts + (maxWatts - idleWatts) * clamp01(load);
}

/** Load from reserved memory: the VMs' memory as a share of the node's usable memory. */
export function memoryLoad(node: UsableMemory, memoryMiB: number): number {
  return node.usable.memoryMiB > 0 ? clamp01(memoryMiB / node.usable.memoryMiB) : 0;
}

/** Watts a VM adds to the node it runs on (the load it brings, not the node's idle draw). */
export function vmWatts(node: WattsModel & UsableMemory, memoryMiB: number): number {
  return (node.power.maxWatts - node.power.idleWatts) * memoryLoad(node, memoryMiB);
}

/**
 * The planner's efficiency metric: mean watts ((idle + max) / 2) per GiB of usable memory. Lower
 * is better; a node with no usable memory is the least efficient of all.
 */
export function wattsPerGiB(node: WattsModel & UsableMemory): number {
  const gib = node.usable.memoryMiB / 1024;
  return gib > 0 ? (node.power.idleWatts + node.power.maxWatts) / 2 / gib : Number.POSITIVE_INFINITY;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** kWh (at the meter, PUE included) and cost of `watts` drawn `hoursPerMonth` hours a month. */
export function monthlyEnergy(watts: number, hoursPerMonth: number, price: EnergyPrice, note?: string): EnergyEffect {
  const kWh = (watts * hoursPerMonth * price.pue) / 1000;
  return {
    kWhPerMonth: round(kWh, 1),
    costPerMonth: round(kWh * price.pricePerKWh, 2),
    currency: price.currency,
    ...(note === undefined ? {} : { note }),
  };
}

/** Hours a month from a share of time (0..1). */
export function hoursPerMonth(share: number): number {
  return HOURS_PER_MONTH * clamp01(share);
}
