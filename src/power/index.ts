// The power planner (pure) and its parts: windows as time, the energy model, the safety rules.
export { planPower, hasPowerPlan, powerChangeId, DEFAULT_HORIZON_HOURS, type PowerResult, type PowerContext } from './planner.js';
export { powerTimeline, type TimelineResult } from './timeline.js';
export { isOpen, nextChange, openIntervals, vmMustRun, nodeWindowOpen, WindowCalendar, type Interval } from './windows.js';
export { nodeWatts, monthlyEnergy, memoryLoad, vmWatts, wattsPerGiB, sitePrice, hoursPerMonth, HOURS_PER_MONTH, type EnergyPrice, type WattsModel, type UsableMemory } from './energy-model.js';
export { pack, type PackItem, type PackNode, type PackResult } from './packing.js';
