// Energy accounting: readings (BMC or model) sampled each agent cycle, integrated per node, tenant
// and hour into a monthly ledger, priced per site, compared with the fleet always on, and
// reported on the status branch as energy/<yyyy-mm>.{json,md} with SVG charts.

export { nodeWatts, type PowerFigures } from './model.js';
export { PLATFORM, sampleEnergy, shareWatts, type EnergySample, type NodeReading, type PowerSource, type Reservation, type SitePrice } from './sample.js';
export { advance, DEFAULT_MAX_GAP_SECONDS, EnergyFormatError, EnergyLedger, NODE_COLUMNS, nodeHour, TENANT_COLUMNS, type EnergyDelta, type Gap, type LedgerState, type Money, type NodeHour, type NodeRow, type TenantRow } from './ledger.js';
export { summarize, type EnergySummary, type GapSummary, type NodeSummary, type TenantSummary } from './summary.js';
export { BASELINE_RULE, energyFiles, energyPaths, renderEnergyMarkdown, renderSummaryMarkdown, renderSummaryText, SHARING_RULE } from './report.js';
export { renderPowerSvg, renderSavingsSvg, renderTenantsSvg } from './svg.js';
export { energyMetrics, publishEnergy, publishPower } from './metrics.js';
export { hourOf, isMonth, monthOf, monthRange } from './time.js';
