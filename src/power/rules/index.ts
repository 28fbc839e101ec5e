export * from './types.js';
export { checkMustRunVm, mustRunDependencies, type GuestOnNode } from './must-run-vm.js';
export { checkQuorum, expectedVotes, type QuorumFacts } from './quorum.js';
export { checkCephPgs } from './ceph-pgs.js';
export { checkCephHealth } from './ceph-health.js';
export { checkNooutBeforeOff, nooutToClear, type NooutDecision } from './noout.js';
export { checkMinOnTime, checkMinOffTime } from './min-time.js';
export { checkBootLead } from './boot-lead.js';
export { checkPowerOff, checkPowerOn, type NodePowerState } from './power-control.js';
