/** Issues (PRs answer here too), issue comments, labels and reactions. */
import {
  HttpError,
  Input,
  json,
  noContent,
  notFound,
  numParam,
  pagedJson,
  param,
  repoOf,
  requireWriter,
  route,
  validationFailed,
  type Ctx,
  type Reply,
  type Route,
} from './http';
import { REACTION_CONTENTS, issueCommentJson, issueJson, labelJson, reactionJson } from './shapes';
import type { IssueRecord, PullRecord } from './state';

const R = '/repos/:owner/:repo';

/** The issue or PR `#n` (capture 2) of the route's repo, or 404. */
export function issueOf(ctx: Ctx): IssueRecord | PullRecord {
  const repo = repoOf(ctx);
  const issue = ctx.state.issue(repo.full_name, numParam(ctx, 2));
  if (!issue) throw notFound();
  return issue;
}

function commentOf(ctx: Ctx) {
  const repo = repoOf(ctx);
  const comment = ctx.state.issueComments.get(numParam(ctx, 2));
  if (!comment || comment.repo !== repo.full_name) throw notFound();
  return comment;
}

/** Who a write is attributed to, and whether it went through the App's installation. */
export function author(ctx: Ctx): { login: string; viaApp: boolean } {
  return { login: ctx.identity.login, viaApp: ctx.identity.kind === 'installation' };
}

// ---- reactions (shared with review comments) ----

/** POST …/reactions: 201 the first time this user adds this content, 200 with the same reaction after. */
export function addReaction(ctx: Ctx, subject: string): Reply {
  requireWriter(ctx, repoOf(ctx));
  const content = new Input(ctx.body).reqStr('content');
  if (!REACTION_CONTENTS.includes(content)) {
    throw validationFailed([{ resource: 'Reaction', code: 'invalid', field: 'content' }]);
  }
  const login = ctx.identity.login;
  const existing = ctx.state.reactions.find(
    (r) => r.subject === subject && r.user === login && r.content === content,
  );
  if (existing) return json(200, reactionJson(ctx.state, existing));
  const reaction = { id: ctx.state.nextId(), subject, user: login, content, created_at: ctx.state.now() };
  ctx.state.reactions.push(reaction);
  return json(201, reactionJson(ctx.state, reaction));
}

export function listReactions(ctx: Ctx, subject: string): Reply {
  const content = ctx.query.get('content');
  const list = ctx.state.reactionsOf(subject).filter((r) => !content || r.content === content);
  return pagedJson(ctx, list, (r) => reactionJson(ctx.state, r));
}

export function deleteReaction(ctx: Ctx, subject: string, reactionId: number): Reply {
  requireWriter(ctx, repoOf(ctx));
  const index = ctx.state.reactions.findIndex((r) => r.subject === subject && r.id === reactionId);
  if (index < 0) throw notFound();
  ctx.state.reactions.splice(index, 1);
  return noContent();
}

// ---- handlers ----

function listIssues(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const wanted = ctx.query.get('state') ?? 'open';
  const labels = (ctx.query.get('labels') ?? '').split(',').filter(Boolean);
  const list = [...ctx.state.issues.values()]
    .filter((i) => i.repo === repo.full_name && (wanted === 'all' || i.state === wanted))
    .filter((i) => labels.every((l) => i.labels.includes(l)))
    .sort((a, b) => b.number - a.number);
  return pagedJson(ctx, list, (i) => issueJson(ctx.state, i));
}

function createIssue(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  requireWriter(ctx, repo);
  const input = new Input(ctx.body);
  const issue = ctx.state.addIssue({
    repo: repo.full_name,
    title: input.reqStr('title'),
    body: input.str('body') ?? null,
    user: ctx.identity.login,
    labels: input.strings('labels') ?? [],
    assignees: input.strings('assignees') ?? [],
  });
  return json(201, issueJson(ctx.state, issue));
}

function updateIssue(ctx: Ctx): Reply {
  const issue = issueOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const input = new Input(ctx.body);
  if (input.has('title')) issue.title = input.reqStr('title');
  if (input.has('body')) issue.body = input.str('body') ?? null;
  if (input.has('labels')) issue.labels = input.strings('labels') ?? [];
  if (input.has('assignees')) issue.assignees = input.strings('assignees') ?? [];
  const state = input.str('state');
  if (state === 'open' || state === 'closed') {
    issue.state = state;
    issue.closed_at = state === 'closed' ? ctx.state.now() : null;
  } else if (state !== undefined) {
    throw validationFailed([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
  }
  issue.updated_at = ctx.state.now();
  return json(200, issueJson(ctx.state, issue));
}

function listComments(ctx: Ctx): Reply {
  const issue = issueOf(ctx);
  const since = ctx.query.get('since');
  const list = ctx.state
    .commentsOf(issue.repo, issue.number)
    .filter((c) => !since || c.updated_at >= since.replace(/\.\d{3}Z$/, 'Z'));
  return pagedJson(ctx, list, (c) => issueCommentJson(ctx.state, c));
}

function listRepoComments(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const list = [...ctx.state.issueComments.values()].filter((c) => c.repo === repo.full_name);
  return pagedJson(ctx, list, (c) => issueCommentJson(ctx.state, c));
}

function createComment(ctx: Ctx): Reply {
  const issue = issueOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  if (issue.locked) throw new HttpError(403, 'Unable to create comment because issue is locked.');
  const who = author(ctx);
  const comment = ctx.state.addIssueComment({
    repo: issue.repo,
    issue_number: issue.number,
    body: new Input(ctx.body).reqStr('body'),
    user: who.login,
    via_app: who.viaApp,
  });
  issue.updated_at = comment.created_at;
  return json(201, issueCommentJson(ctx.state, comment), {
    location: `${ctx.state.apiUrl}/repos/${issue.repo}/issues/comments/${comment.id}`,
  });
}

function updateComment(ctx: Ctx): Reply {
  const comment = commentOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  comment.body = new Input(ctx.body).reqStr('body');
  comment.updated_at = ctx.state.now();
  return json(200, issueCommentJson(ctx.state, comment));
}

function deleteComment(ctx: Ctx): Reply {
  const comment = commentOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  ctx.state.issueComments.delete(comment.id);
  ctx.state.reactions = ctx.state.reactions.filter((r) => r.subject !== `issue_comment:${comment.id}`);
  return noContent();
}

function labelsReply(ctx: Ctx, issue: IssueRecord, status = 200): Reply {
  return json(
    status,
    issue.labels.map((l) => labelJson(ctx.state, issue.repo, l)),
  );
}

function addLabels(ctx: Ctx): Reply {
  const issue = issueOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const labels = Array.isArray(ctx.body)
    ? ctx.body.map(String)
    : (new Input(ctx.body).strings('labels') ?? []);
  for (const l of labels) if (!issue.labels.includes(l)) issue.labels.push(l);
  return labelsReply(ctx, issue);
}

function removeLabel(ctx: Ctx): Reply {
  const issue = issueOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const name = param(ctx, 3);
  if (!issue.labels.includes(name)) throw new HttpError(404, 'Label does not exist');
  issue.labels = issue.labels.filter((l) => l !== name);
  return labelsReply(ctx, issue);
}

const commentSubject = (ctx: Ctx): string => `issue_comment:${commentOf(ctx).id}`;
const issueSubject = (ctx: Ctx): string => {
  const issue = issueOf(ctx);
  return `issue:${issue.repo}#${issue.number}`;
};

export const issueRoutes: Route[] = [
  route('GET', `${R}/issues`, listIssues),
  route('POST', `${R}/issues`, createIssue),
  route('GET', `${R}/issues/comments`, listRepoComments),
  route('GET', `${R}/issues/comments/:id`, (ctx) => json(200, issueCommentJson(ctx.state, commentOf(ctx)))),
  route('PATCH', `${R}/issues/comments/:id`, updateComment),
  route('DELETE', `${R}/issues/comments/:id`, deleteComment),
  route('GET', `${R}/issues/comments/:id/reactions`, (ctx) => listReactions(ctx, commentSubject(ctx))),
  route('POST', `${R}/issues/comments/:id/reactions`, (ctx) => addReaction(ctx, commentSubject(ctx))),
  route('DELETE', `${R}/issues/comments/:id/reactions/:rid`, (ctx) =>
    deleteReaction(ctx, commentSubject(ctx), numParam(ctx, 3)),
  ),
  route('GET', `${R}/issues/:n`, (ctx) => json(200, issueJson(ctx.state, issueOf(ctx)))),
  route('PATCH', `${R}/issues/:n`, updateIssue),
  route('GET', `${R}/issues/:n/comments`, listComments),
  route('POST', `${R}/issues/:n/comments`, createComment),
  route('GET', `${R}/issues/:n/labels`, (ctx) => labelsReply(ctx, issueOf(ctx))),
  route('POST', `${R}/issues/:n/labels`, addLabels),
  route('DELETE', `${R}/issues/:n/labels/:name`, removeLabel),
  route('GET', `${R}/issues/:n/reactions`, (ctx) => listReactions(ctx, issueSubject(ctx))),
  route('POST', `${R}/issues/:n/reactions`, (ctx) => addReaction(ctx, issueSubject(ctx))),
  route('DELETE', `${R}/issues/:n/reactions/:rid`, (ctx) =>
    deleteReaction(ctx, issueSubject(ctx), numParam(ctx, 3)),
  ),
];
