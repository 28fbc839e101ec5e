// IPMI 2.0 over LAN through ipmitool. Power readings come from DCMI where the BMC has it, else
// from the node's configured sensor; a BMC that refused DCMI once is not asked again.

import type { Secret } from '../../core/secret.js';
import type { PowerDriver, PowerState } from './driver.js';
import { BmcError, isBmcError } from './errors.js';
import { parseDcmiReading, parsePowerStatus, parseSdrGet, parseSensorCsv } from './ipmi-parse.js';
import { runIpmitool, type IpmitoolOptions } from './ipmitool.js';

/** 'auto': DCMI, then the sensor by `sensor reading`; 'sdr': the sensor by `sdr get`. */
export type WattsMethod = 'auto' | 'dcmi' | 'sensor' | 'sdr';

export interface IpmiDriverConfig {
  subject: string;
  host: string;
  port: number;
  username: string;
  password: Secret;
  cipherSuite: number;
  watts: WattsMethod;
  wattsSensor?: string;
  ipmitool: IpmitoolOptions;
}

export function createIpmiDriver(config: IpmiDriverConfig): PowerDriver {
  const target = {
    subject: config.subject,
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    cipherSuite: config.cipherSuite,
  };
  let dcmiWorks = config.watts === 'auto' || config.watts === 'dcmi';

  const run = async (...command: string[]): Promise<string> => (await runIpmitool(target, command, config.ipmitool)).stdout;

  const control = async (word: 'on' | 'soft' | 'off'): Promise<void> => {
    await run('chassis', 'power', word);
  };

  async function readDcmi(): Promise<number | undefined> {
    try {
      return parseDcmiReading(await run('dcmi', 'power', 'reading'));
    } catch (err) {
      // Only a refused command means "no DCMI here"; a silent BMC stays a BMC problem.
      if (!isBmcError(err, 'command') || config.watts === 'dcmi') throw err;
      dcmiWorks = false;
      return undefined;
    }
  }

  async function readSensor(): Promise<number | undefined> {
    const name = config.wattsSensor;
    if (name === undefined) return undefined;
    if (config.watts === 'sdr') return parseSdrGet(await run('sdr', 'get', name));
    return parseSensorCsv(await run('sensor', 'reading', name, '-c'), name);
  }

  return {
    kind: 'ipmi',

    async status(): Promise<PowerState> {
      const stdout = await run('chassis', 'power', 'status');
      const state = parsePowerStatus(stdout);
      if (!state) throw new BmcError('command', `${config.subject}: ipmitool chassis power status: unexpected output "${stdout.trim()}"`);
      return state;
    },

    powerOn: () => control('on'),
    softOff: () => control('soft'),
    hardOff: () => control('off'),

    async readWatts(): Promise<number | undefined> {
      if (dcmiWorks) {
        const watts = await readDcmi();
        if (watts !== undefined || config.watts === 'dcmi') return watts;
      }
      return readSensor();
    },
  };
}
