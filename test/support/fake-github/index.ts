/** The fake GitHub's public surface (see ../fake-github.ts). */
export { startFakeGitHub } from './server';
export type { FakeGitHub, FaultResponse, RecordedRequest } from './server';
export { State, GITHUB_ACTIONS_BOT, fakeSha } from './state';
export type {
  AppInfo,
  CheckRunRecord,
  DispatchRecord,
  Installation,
  InstallationToken,
  IssueCommentRecord,
  IssueInit,
  IssueRecord,
  JobRecord,
  PermissionLevel,
  PullFile,
  PullRecord,
  PullRequestInit,
  ReactionRecord,
  RepoInit,
  RepoRecord,
  ReviewCommentRecord,
  ReviewRecord,
  RunRecord,
  Seed,
  StatusRecord,
  UserRecord,
  UserType,
} from './state';
export { diffOf, patchLines } from './shapes';
