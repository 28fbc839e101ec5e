export { runReview, linkBaseFromEnv, baseFromEnv, type RunReviewOptions } from './run.js';
export { buildReview, loadSide, verdict, REVIEW_MARKER, type Review, type Side, type ReviewInput } from './review.js';
export { renderReviewMarkdown, GITLAB_NOTE_LIMIT, type MarkdownOptions } from './markdown.js';
export { postReviewNote, gitlabTargetFromEnv, GitlabError, type GitlabTarget, type PostOptions } from './gitlab.js';
export { readObservedFile, assumedEmptyObserved, ObservedFileError, type ObservedSource } from './observed.js';
export { GitCommandError } from './git.js';
