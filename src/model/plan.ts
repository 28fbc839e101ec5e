import type { EnergyEffect, PowerPlan } from './power.js';

// The Plan is the artifact (after OpenTofu): plain JSON a reviewer reads, `apply --plan` executes
// exactly, and every renderer draws from. Nothing outside it decides what apply does.

export type ChangeAction =
  | 'create'
  | 'update'
  | 'resize'
  | 'start'
  | 'stop'
  | 'shutdown'
  | 'migrate'
  | 'delete'
  | 'ensure'
  | 'power-on'
  | 'power-off'
  | 'set-noout'
  | 'clear-noout';

/** How a config update reaches a guest: at once, after a reboot marmite performs, or while stopped. */
export type ApplyMode = 'hot' | 'reboot' | 'offline';

export interface Change {
  /** Stable id, unique in the plan: `proxmox:paris/vm/ad28/web:update`. */
  id: string;
  /** Which provider executes it; the executor routes by this name and never looks further. */
  provider: string;
  site: string;
  /** Human subject, first in every message: `vm ad28/web`, `pool ad28`. */
  subject: string;
  action: ChangeAction;
  reason: string;
  downtime: boolean;
  applyMode?: ApplyMode;
  /** Fields before and after, for diffs; only what changes. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** Fingerprint of what was observed; apply re-reads and stops on a mismatch. Absent for creates. */
  fingerprint?: string;
  /** Ids of changes that must succeed first. */
  dependsOn: string[];
  /** Everything the provider needs to execute the change, decided at plan time. */
  payload: Record<string, unknown>;
  /** What the change costs (positive) or saves (negative) in energy, when known. */
  energy?: EnergyEffect;
}

/** An action the rules did not allow: reported with its reason, never executed. */
export interface Refusal {
  subject: string;
  site?: string;
  action: ChangeAction;
  rule: string; // e.g. deletion-guard, protected, unmanaged
  reason: string;
}

export interface DriftItem {
  subject: string;
  site: string;
  field: string;
  desired: unknown;
  observed: unknown;
  /** Whether the plan corrects it. */
  corrected: boolean;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string; // the `now` the plan was computed for
  commit?: string;
  observedAt: string;
  changes: Change[];
  refused: Refusal[];
  drift: DriftItem[];
  summary: { create: number; update: number; delete: number; other: number; refused: number };
  /** The power planner's decisions, when the repository has power policies to plan. */
  power?: PowerPlan;
}

/**
 * The payload of a guest change: the whole target of a managed VM, provider-neutral. The Proxmox
 * provider turns it into API parameters; the plan never speaks PVE parameter names.
 */
export interface VmTarget {
  vmid: number;
  /** Proxmox guest name: `<vm>.<tenant>` (a valid DNS name). */
  name: string;
  tenant: string;
  vm: string;
  site: string;
  /** Proxmox node the guest must be on. */
  node: string;
  templateVmid: number;
  /** Proxmox node holding the template (clones are made there, then migrated if needed). */
  templateNode: string;
  cores: number;
  memoryMiB: number;
  disks: { slot: string; storage: string; sizeGiB: number }[];
  nics: { slot: string; bridge: string; vlan?: number; firewall: boolean; mac?: string }[];
  cloudInit: { user?: string; sshKeys: string[]; ip: 'dhcp' | { address: string; gateway?: string }; nameserver?: string };
  description: string;
  /** Ownership marker and spec hash: `marmite`, `t-<tenant>`, `h-<hash>`. */
  tags: string[];
  /** Proxmox resource pool of the tenant (`tenant-<t>`). */
  pool: string;
  protection: boolean;
  running: boolean;
  ha: boolean;
  specHash: string;
}
