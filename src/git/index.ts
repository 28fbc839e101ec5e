export { GitError, redactUrl, type GitOperation } from './errors.js';
export type { GitRemoteOptions } from './remote.js';
export { RepoSync, materialize, type FileMode, type RepoSyncOptions, type Snapshot, type SyncResult } from './sync.js';
export {
  StatusBranch,
  type StatusAuthor,
  type StatusBranchOptions,
  type WriteStatusOptions,
  type WriteStatusResult,
} from './status-branch.js';
