// `marmite agent --config F [--once]`: the reconcile loop as a service (poll, webhook, /metrics,
// /healthz, /readyz), or a single cycle with --once (cron, CI, a first check by hand).

import { parseArgs } from 'node:util';
import { Agent } from '../../agent/agent.js';
import { configPath, loadAgentConfig } from '../../config/load.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import { EXIT, type Io } from '../io.js';

const USAGE = 'usage: marmite agent [--config FILE] [--once]';

export interface AgentCommandDeps {
  /** Resolves when the service must stop (default: the first SIGTERM or SIGINT). */
  stopSignal?: Promise<string>;
}

export async function agentCommand(argv: string[], io: Io, deps: AgentCommandDeps = {}): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  let agent: Agent;
  try {
    const config = await loadAgentConfig(configPath(args.config, io.env, io.cwd), io.env);
    agent = new Agent(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  }

  if (args.once) {
    try {
      const result = await agent.runOnce('once');
      if (result.error) io.stderr(`agent: ${result.error.reason}: ${result.error.message}\n`);
      else if (result.outcome === 'refused') io.stderr(`agent: commit ${result.record.validated?.refused?.commit.slice(0, 7)} refused; see summary.md on the status branch\n`);
      return result.outcome === 'success' ? EXIT.ok : EXIT.invalid;
    } finally {
      await agent.stop();
    }
  }

  await agent.start();
  const why = await (deps.stopSignal ?? untilSignal());
  agent.log.info({ signal: why }, 'stopping: in-flight changes finish, no new one starts');
  await agent.stop();
  return EXIT.ok;
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      // A second signal while stopping means "now": the default handler ends the process.
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        once: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]}`);
    return { config: values.config, once: values.once ?? false, help: values.help ?? false };
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, { cause: err });
  }
}
