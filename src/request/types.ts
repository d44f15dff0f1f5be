/**
 * The one request every surface reduces to: the action's events, the companion's comments and
 * `npm run local` all produce a RelayRequest, and the rest of the pipeline only reads this.
 */

/** The comment commands. `ask` is plain text (`/claude <text>`). */
export type CommandName = 'ask' | 'review' | 'fix' | 'new' | 'stop' | 'cost' | 'help';

export interface ParsedCommand {
  name: CommandName;
  /** The request text after the trigger phrase and the command word (may be empty). */
  text: string;
}

export type ActorType = 'User' | 'Bot' | 'Organization' | 'Mannequin';

export interface Actor {
  login: string;
  type: ActorType;
  id?: number;
}

/** The PR as the event (or the dispatch inputs) described it at trigger time. */
export interface PullRequestRef {
  number: number;
  headSha: string;
  headRef: string;
  /** owner/name of the head repository; differs from the base for forks. */
  headRepo: string;
  baseRef: string;
  baseSha: string;
  isFork: boolean;
  authorLogin: string;
  /** GitHub's author_association of the PR author (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, …). */
  authorAssociation?: string;
}

/** The comment that triggered the run, if any. */
export interface TriggerComment {
  id: number;
  kind: 'issue_comment' | 'review_comment' | 'review';
  body: string;
  url?: string;
  authorLogin: string;
  /** For review comments: the file and line the comment sits on. */
  path?: string;
  line?: number;
  /** For a review comment that replies to another: the thread's top comment (replies go there). */
  threadId?: number;
}

export type TriggerKind = 'event' | 'comment' | 'label' | 'assignee' | 'dispatch' | 'prompt';

export interface RelayRequest {
  eventName: string;
  action?: string;
  owner: string;
  repo: string;
  /**
   * The PR or issue this run is about; `repository` (number 0) for an automation run with a
   * `prompt` on an event that carries neither: nothing is posted on GitHub.
   */
  target: { kind: 'pull_request' | 'issue' | 'repository'; number: number; title?: string };
  /** Who caused the event (the sender); the gate authorizes this account. */
  actor: Actor;
  trigger: TriggerKind;
  command: ParsedCommand;
  comment?: TriggerComment;
  pr?: PullRequestRef;
  /** workflow_dispatch from the companion: the head SHA it authorized, and who asked. */
  expectedHeadSha?: string;
  requestedBy?: string;
  /** True for pull_request_target: config must come from the base branch. */
  isPullRequestTarget: boolean;
  /** Automation runs (target `repository`): what the prompt may say about the event. */
  automation?: AutomationEvent;
}

/** The event of an automation run (no PR or issue). */
export interface AutomationEvent {
  eventName: string;
  action?: string;
  ref?: string;
  sha?: string;
  /** Written by people (commit messages, release notes): fenced as data in the prompt. */
  untrusted: { label: string; text: string }[];
}

/** True for an automation run: a prompt on an event without a PR or issue. */
/** Who asked: the dispatching requester, the commenter, or the event's sender. */
export function requesterOf(req: RelayRequest): string {
  return req.requestedBy ?? req.comment?.authorLogin ?? req.actor.login;
}

export function isAutomation(req: RelayRequest): boolean {
  return req.target.kind === 'repository';
}

/** An event that is not for us: the run ends `skipped` with this one-line reason. */
export interface Skip {
  skip: true;
  reason: string;
}

export type EventResult = RelayRequest | Skip;

export function isSkip(r: unknown): r is Skip {
  return typeof r === 'object' && r !== null && (r as Skip).skip === true;
}
