import { UsageError } from '../core/errors.js';
import { processIo, type Io, EXIT } from './io.js';

export type Command = (argv: string[], io: Io) => Promise<number>;

// Commands load lazily so `marmite validate` never pays for the lab or the HTTP clients.
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: {
    summary: 'check an infra repository: schemas, references, tenant policy',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  plan: {
    summary: 'observe the clusters and show what would change (dry-run)',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  apply: {
    summary: 'execute a plan (saved with plan --out, or computed now)',
    load: async () => (await import('./commands/apply.js')).applyCommand,
  },
  agent: {
    summary: 'the reconcile loop: poll and webhook, apply, status reports, /metrics',
    load: async () => (await import('./commands/agent.js')).agentCommand,
  },
  review: {
    summary: 'merge-request review for CI: validation, approvals, quotas, the plan of the change, energy',
    load: async () => (await import('./commands/review.js')).reviewCommand,
  },
  energy: {
    summary: "the month's energy figures: kWh, cost, saved against always on, per tenant and node",
    load: async () => (await import('./commands/energy.js')).energyCommand,
  },
  power: {
    summary: "power timeline: the coming days' on/off schedule per node (text, svg, json)",
    load: async () => (await import('./commands/power.js')).powerCommand,
  },
  lab: {
    summary: 'serve a simulated Proxmox VE cluster built from an infra repository',
    load: async () => (await import('./commands/lab.js')).labCommand,
  },
  demo: {
    summary: 'the whole loop on the lab: plan, apply, plan again, drift',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(16)} ${c.summary}`);
  return `usage: marmite <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr(`marmite: unknown command '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`marmite ${name}: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
