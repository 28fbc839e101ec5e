export { plan, mustRun, vmChangeId, PROVIDER } from './plan.js';
export { configsNeeded } from './needs-config.js';
export { buildVmTarget, vmSpecHash, guestName, tenantPoolId, vmDescription, type VmSpecFields } from './vm-target.js';
