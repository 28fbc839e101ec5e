// Power windows and schedules: cron and time-zone syntax, windows that can never open, and
// node power policies that contradict their windows or the VMs pinned to them.

import { Cron } from 'croner';
import type { Window, WindowPeriod } from '../../model/desired.js';
import { at, type CheckContext } from '../context.js';
import { sortedEntries } from '../resolve.js';
import { isValidTimeZone } from '../units.js';

const DAY_MS = 86_400_000;
/** Long enough to include a 29 February: a window that opens only then still opens. */
const NEVER_HORIZON_DAYS = 366 * 4 + 1;

export function checkSchedules(ctx: CheckContext): void {
  checkTimeZones(ctx);
  for (const [, w] of sortedEntries(ctx.desired.windows)) checkWindow(ctx, w);
  checkNodePolicies(ctx);
  checkPinnedAlwaysOn(ctx);
}

function checkTimeZones(ctx: CheckContext): void {
  const { desired: d, repo } = ctx;
  const bad = (file: string, subject: string, tz: string): void =>
    ctx.diags.error(file, at(repo, file, ['timezone']), 'timezone', `${subject}: unknown time zone '${tz}' (use an IANA name such as Europe/Paris)`);
  if (repo.settings?.value.timezone !== undefined && !isValidTimeZone(d.settings.timezone)) bad(d.settings.file, 'settings', d.settings.timezone);
  for (const [name, s] of sortedEntries(d.sites)) {
    if (repo.sites.get(name)?.value.timezone !== undefined && !isValidTimeZone(s.timezone)) bad(s.file, `site ${name}`, s.timezone);
  }
  for (const [name, w] of sortedEntries(d.windows)) {
    if (repo.windows.get(name)?.value.timezone !== undefined && !isValidTimeZone(w.timezone)) bad(w.file, `window ${name}`, w.timezone);
  }
}

type Opening = 'opens' | 'not-this-year' | 'never' | 'invalid';

function checkWindow(ctx: CheckContext, w: Window): void {
  const tzOk = isValidTimeZone(w.timezone);
  const results = w.periods.map((p, i) => periodOpens(ctx, w, p, i, tzOk));
  if (w.periods.length === 0) {
    ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods']), 'window-never-opens', `window ${w.name}: has no periods, so it never opens`);
    return;
  }
  if (results.includes('opens') || results.includes('invalid')) return;
  if (results.includes('not-this-year')) {
    ctx.diags.warning(w.file, at(ctx.repo, w.file, ['periods']), 'window-never-opens', `window ${w.name}: does not open in the coming year`);
    return;
  }
  ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods']), 'window-never-opens', `window ${w.name}: none of its periods ever opens`);
}

function periodOpens(ctx: CheckContext, w: Window, p: WindowPeriod, i: number, tzOk: boolean): Opening {
  const subject = `window ${w.name}: period ${i + 1}`;
  if (p.kind === 'days') {
    if (p.days.length === 0) {
      ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods', i, 'days']), 'window-never-opens', `${subject}: has no days, so it never opens`);
      return 'never';
    }
    if (p.startMinute === p.endMinute) {
      ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods', i, 'hours']), 'window-never-opens', `${subject}: hours start and end at the same time, so it never opens`);
      return 'never';
    }
    return 'opens';
  }
  if (p.durationSeconds <= 0) {
    ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods', i, 'duration']), 'window-never-opens', `${subject}: duration is zero, so it never opens`);
    return 'never';
  }
  let cron: Cron;
  try {
    cron = new Cron(p.schedule, { mode: '5-part', ...(tzOk ? { timezone: w.timezone } : {}) });
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
    ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods', i, 'schedule']), 'cron-syntax', `${subject}: schedule '${p.schedule}' is not a 5-field cron expression: ${reason}`);
    return 'invalid';
  }
  const next = cron.nextRun(ctx.now);
  if (next === null || next.getTime() - ctx.now.getTime() > NEVER_HORIZON_DAYS * DAY_MS) {
    ctx.diags.error(w.file, at(ctx.repo, w.file, ['periods', i, 'schedule']), 'window-never-opens', `${subject}: schedule '${p.schedule}' never fires`);
    return 'never';
  }
  return next.getTime() - ctx.now.getTime() > 366 * DAY_MS ? 'not-this-year' : 'opens';
}

function checkNodePolicies(ctx: CheckContext): void {
  for (const [name, n] of sortedEntries(ctx.desired.nodes)) {
    if (n.power.policy === 'windows' && n.power.windows.length === 0) {
      ctx.diags.error(n.file, at(ctx.repo, n.file, ['power', 'policy']), 'power-windows-missing', `node ${name}: power policy 'windows' needs at least one window in power.windows, or the node would never be on`);
    }
    if (n.power.policy !== 'windows' && n.power.windows.length > 0) {
      ctx.diags.warning(n.file, at(ctx.repo, n.file, ['power', 'windows']), 'power-windows-ignored', `node ${name}: power.windows is ignored with power policy '${n.power.policy}'`);
    }
  }
}

function checkPinnedAlwaysOn(ctx: CheckContext): void {
  const { desired: d } = ctx;
  for (const [id, vm] of sortedEntries(d.vms)) {
    if (vm.state !== 'running' || vm.schedule.windows.length > 0 || vm.placement.node === undefined) continue;
    const node = d.nodes[vm.placement.node];
    if (node?.power.policy !== 'windows') continue;
    ctx.diags.error(
      vm.file,
      at(ctx.repo, vm.file, ['placement', 'node']),
      'always-on-vm-on-windows-node',
      `vm ${id}: must run always (no schedule) but is pinned to node ${node.name}, which is only on during its power windows (${node.power.windows.join(', ')})`,
    );
  }
}
