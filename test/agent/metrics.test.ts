import { describe, expect, it } from 'vitest';
import { Metrics, agentMetrics } from '../../src/agent/metrics.js';

describe('Metrics', () => {
  it('renders counters and gauges in the text exposition format, sorted', () => {
    const m = new Metrics();
    m.counter('b_total', 'B things.');
    m.gauge('a_value', 'A value.');
    m.inc('b_total', { outcome: 'ok' });
    m.inc('b_total', { outcome: 'ok' }, 2);
    m.set('a_value', { node: 'pve"1' }, 1.5);
    expect(m.render()).toBe(
      ['# HELP a_value A value.', '# TYPE a_value gauge', 'a_value{node="pve\\"1"} 1.5', '# HELP b_total B things.', '# TYPE b_total counter', 'b_total{outcome="ok"} 3', ''].join('\n'),
    );
  });

  it.each([['bad name', () => new Metrics().counter('1bad', 'x')], ['undefined family', () => new Metrics().inc('nope')]])('refuses a %s', (_n, fn) => {
    expect(fn).toThrow(/^metric /);
  });

  it('lists the agent series before any cycle', () => {
    const text = agentMetrics().render();
    expect(text).toContain('# TYPE marmite_cycles_total counter');
    expect(text).toContain('# TYPE marmite_node_power_watts gauge');
  });
});
