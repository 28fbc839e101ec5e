// A small Prometheus registry (text exposition format 0.0.4). The agent exposes a dozen series;
// a client library would be more code than the registry itself.

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): void {
    this.define(name, help, 'counter');
  }

  gauge(name: string, help: string): void {
    this.define(name, help, 'gauge');
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const slot = this.slot(name, labels);
    slot.value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.slot(name, labels).value = value;
  }

  /** Drops every series of a gauge family (e.g. before re-publishing per-node values). */
  reset(name: string): void {
    this.family(name).values.clear();
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.family(name).values.get(key(labels))?.value;
  }

  render(): string {
    const out: string[] = [];
    for (const f of [...this.families.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const { labels, value } of [...f.values.values()].sort((a, b) => (key(a.labels) < key(b.labels) ? -1 : 1))) {
        out.push(`${f.name}${formatLabels(labels)} ${Number.isFinite(value) ? value : 'NaN'}`);
      }
    }
    return out.join('\n') + '\n';
  }

  private define(name: string, help: string, type: Family['type']): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`metric ${name}: invalid name`);
    if (!this.families.has(name)) this.families.set(name, { name, help, type, values: new Map() });
  }

  private family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`metric ${name}: not defined`);
    return f;
  }

  private slot(name: string, labels: Labels) {
    const f = this.family(name);
    const k = key(labels);
    let s = f.values.get(k);
    if (!s) {
      s = { labels, value: 0 };
      f.values.set(k, s);
    }
    return s;
  }
}

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const esc = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
  return `{${keys.map((k) => `${k}="${esc(labels[k]!)}"`).join(',')}}`;
}

/** The agent's series, defined once so /metrics lists them even before the first cycle. */
export function agentMetrics(): Metrics {
  const m = new Metrics();
  m.counter('marmite_cycles_total', 'Reconcile cycles by outcome (success, invalid, failed).');
  m.gauge('marmite_cycle_duration_seconds', 'Duration of the last reconcile cycle.');
  m.gauge('marmite_last_success_timestamp_seconds', 'When the last cycle succeeded (unix time).');
  m.gauge('marmite_last_applied_commit_timestamp_seconds', 'When the last applied commit was applied (unix time).');
  m.gauge('marmite_drift_items', 'Differences between Git and the clusters found by the last plan.');
  m.gauge('marmite_consecutive_failures', 'Cycles failed in a row.');
  m.counter('marmite_changes_applied_total', 'Changes applied successfully.');
  m.counter('marmite_changes_failed_total', 'Changes that failed.');
  m.counter('marmite_api_errors_total', 'API errors by provider.');
  m.gauge('marmite_node_power_on', 'Node power state (1 on, 0 off) as observed.');
  m.gauge('marmite_node_power_watts', 'Node power draw when known.');
  return m;
}
