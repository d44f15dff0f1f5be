/** Pull requests: JSON and diff, files, review comments, reviews. */
import {
  HttpError,
  Input,
  json,
  noContent,
  notFound,
  numParam,
  pagedJson,
  repoOf,
  requireWriter,
  route,
  validationFailed,
  type Ctx,
  type Reply,
  type Route,
} from './http';
import { addReaction, author, deleteReaction, listReactions } from './routes-issues';
import { diffOf, fileJson, patchLines, pullJson, reviewCommentJson, reviewJson, userJson } from './shapes';
import { fakeSha, splitRepo, type PullRecord, type ReviewCommentRecord, type ReviewRecord } from './state';

const R = '/repos/:owner/:repo';

/** GitHub refuses diffs over these sizes with 406 (clients then page the files API). */
const DIFF_MAX_FILES = 300;
const DIFF_MAX_LINES = 20000;
/** The files API lists at most this many files. */
const FILES_CAP = 3000;

function pullOf(ctx: Ctx): PullRecord {
  const repo = repoOf(ctx);
  const pr = ctx.state.pull(repo.full_name, numParam(ctx, 2));
  if (!pr) throw notFound();
  return pr;
}

function reviewCommentOf(ctx: Ctx): ReviewCommentRecord {
  const repo = repoOf(ctx);
  const comment = ctx.state.reviewComments.get(numParam(ctx, 2));
  if (!comment || comment.repo !== repo.full_name) throw notFound();
  return comment;
}

function wantsDiff(ctx: Ctx): boolean {
  const accept = String(ctx.headers.accept ?? '');
  return /application\/vnd\.github(\.v3)?\.(diff|patch)/.test(accept);
}

function getPull(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  if (!wantsDiff(ctx)) return json(200, pullJson(ctx.state, pr));
  const diff = diffOf(pr);
  const files = pr.diff !== undefined ? (diff.match(/^diff --git /gm) ?? []).length : pr.files.length;
  const lines = diff.split('\n').length;
  if (files > DIFF_MAX_FILES || lines > DIFF_MAX_LINES) {
    const what = files > DIFF_MAX_FILES ? `files (${DIFF_MAX_FILES})` : `lines (${DIFF_MAX_LINES})`;
    throw new HttpError(
      406,
      `Sorry, the diff exceeded the maximum number of ${what}. Consider using 'List pull requests files' API or locally cloning the repository instead.`,
      { errors: [{ resource: 'PullRequest', field: 'diff', code: 'too_large' }] },
    );
  }
  return { status: 200, text: diff, contentType: 'text/plain; charset=utf-8' };
}

function listPulls(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  const wanted = ctx.query.get('state') ?? 'open';
  const head = ctx.query.get('head');
  const base = ctx.query.get('base');
  const list = [...ctx.state.issues.values()]
    .filter((i): i is PullRecord => i.kind === 'pull' && i.repo === repo.full_name)
    .filter((pr) => wanted === 'all' || pr.state === wanted)
    .filter((pr) => !head || `${splitRepo(pr.head.repo)[0]}:${pr.head.ref}` === head)
    .filter((pr) => !base || pr.base.ref === base)
    .sort((a, b) => b.number - a.number);
  return pagedJson(ctx, list, (pr) => pullJson(ctx.state, pr));
}

function createPull(ctx: Ctx): Reply {
  const repo = repoOf(ctx);
  requireWriter(ctx, repo);
  const input = new Input(ctx.body);
  const headSpec = input.reqStr('head');
  const baseRef = input.reqStr('base');
  const [headOwner, headRef] = headSpec.includes(':')
    ? (headSpec.split(':', 2) as [string, string])
    : [repo.owner.login, headSpec];
  const headRepo = headOwner === repo.owner.login ? repo.full_name : `${headOwner}/${repo.name}`;
  if (headRepo === repo.full_name && headRef === baseRef) {
    throw validationFailed([
      { resource: 'PullRequest', code: 'custom', message: `No commits between ${baseRef} and ${headRef}` },
    ]);
  }
  const duplicate = [...ctx.state.issues.values()].find(
    (i) =>
      i.kind === 'pull' &&
      i.repo === repo.full_name &&
      i.state === 'open' &&
      (i as PullRecord).head.ref === headRef &&
      (i as PullRecord).head.repo === headRepo,
  );
  if (duplicate) {
    throw validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${headOwner}:${headRef}.`,
      },
    ]);
  }
  const pr = ctx.state.addPullRequest({
    repo: repo.full_name,
    title: input.reqStr('title'),
    body: input.str('body') ?? null,
    user: ctx.identity.login,
    draft: input.bool('draft') ?? false,
    // Branches pushed with git are unknown to the fake: give them a deterministic sha.
    head: {
      ref: headRef,
      sha: ctx.state.resolveRef(headRepo, headRef) ?? fakeSha(`${headRepo}:${headRef}`),
      repoFullName: headRepo,
    },
    base: {
      ref: baseRef,
      sha: ctx.state.resolveRef(repo.full_name, baseRef) ?? fakeSha(`${repo.full_name}:${baseRef}`),
    },
  });
  return json(201, pullJson(ctx.state, pr));
}

function updatePull(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const input = new Input(ctx.body);
  if (input.has('title')) pr.title = input.reqStr('title');
  if (input.has('body')) pr.body = input.str('body') ?? null;
  if (input.has('base')) pr.base.ref = input.reqStr('base');
  const state = input.str('state');
  if (state === 'open' || state === 'closed') {
    pr.state = state;
    pr.closed_at = state === 'closed' ? ctx.state.now() : null;
  }
  pr.updated_at = ctx.state.now();
  return json(200, pullJson(ctx.state, pr));
}

function listFiles(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  return pagedJson(ctx, pr.files, (f) => fileJson(ctx.state, pr, f), { cap: FILES_CAP });
}

function listCommits(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  const commit = {
    sha: pr.head.sha,
    commit: {
      message: pr.title,
      author: { name: pr.user, email: `${pr.user}@users.noreply.github.com`, date: pr.created_at },
    },
    author: userJson(ctx.state, pr.user),
    parents: [{ sha: pr.base.sha }],
  };
  return pagedJson(ctx, [commit], (c) => c);
}

type Side = 'LEFT' | 'RIGHT';
const asSide = (v: string | undefined, fallback: Side): Side =>
  v === 'LEFT' || v === 'RIGHT' ? v : fallback;

/** Checks a comment's placement against the PR's files and patches; returns the GitHub-style problem. */
function placementProblem(
  pr: PullRecord,
  path: string,
  line: number | null,
  side: Side,
  startLine: number | null,
  startSide: Side,
): string | undefined {
  const file = pr.files.find((f) => f.filename === path);
  if (pr.files.length > 0 && !file) return 'Path could not be resolved';
  if (!file?.patch || line === null) return undefined;
  const shown = patchLines(file.patch);
  if (!shown[side].has(line)) return 'Line could not be resolved';
  if (startLine !== null && !shown[startSide].has(startLine)) return 'Start line could not be resolved';
  return undefined;
}

function newReviewComment(
  ctx: Ctx,
  pr: PullRecord,
  input: Input,
  reviewId: number | null,
  commitId: string,
): ReviewCommentRecord {
  const path = input.reqStr('path');
  const subjectType = input.str('subject_type') === 'file' ? 'file' : 'line';
  const line = subjectType === 'file' ? null : (input.num('line') ?? input.num('position') ?? null);
  if (subjectType === 'line' && line === null)
    throw new HttpError(422, 'Invalid request.\n\n"line" wasn\'t supplied.');
  const side = asSide(input.str('side'), 'RIGHT');
  const startLine = input.num('start_line') ?? null;
  const startSide = asSide(input.str('start_side'), side);
  const problem = placementProblem(pr, path, line, side, startLine, startSide);
  if (problem) throw new HttpError(422, 'Unprocessable Entity', { errors: [problem] });
  const now = ctx.state.now();
  return {
    id: ctx.state.nextId(),
    repo: pr.repo,
    pull_number: pr.number,
    review_id: reviewId,
    path,
    line,
    side,
    start_line: startLine,
    start_side: startLine !== null ? startSide : null,
    subject_type: subjectType,
    body: input.reqStr('body'),
    user: ctx.identity.login,
    commit_id: commitId,
    created_at: now,
    updated_at: now,
  };
}

function replyTo(ctx: Ctx, pr: PullRecord, inReplyTo: number, body: string): Reply {
  const parent = ctx.state.reviewComments.get(inReplyTo);
  if (!parent || parent.repo !== pr.repo || parent.pull_number !== pr.number) throw notFound();
  const now = ctx.state.now();
  const comment: ReviewCommentRecord = {
    ...parent,
    id: ctx.state.nextId(),
    body,
    user: ctx.identity.login,
    in_reply_to_id: parent.id,
    created_at: now,
    updated_at: now,
  };
  ctx.state.reviewComments.set(comment.id, comment);
  return json(201, reviewCommentJson(ctx.state, comment));
}

function createReviewComment(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const input = new Input(ctx.body);
  const inReplyTo = input.num('in_reply_to');
  if (inReplyTo !== undefined) return replyTo(ctx, pr, inReplyTo, input.reqStr('body'));
  const comment = newReviewComment(ctx, pr, input, null, input.reqStr('commit_id'));
  // A single comment is its own one-comment review, like on GitHub.
  const review: ReviewRecord = {
    id: ctx.state.nextId(),
    repo: pr.repo,
    pull_number: pr.number,
    user: comment.user,
    body: '',
    state: 'COMMENTED',
    commit_id: comment.commit_id,
    submitted_at: comment.created_at,
  };
  ctx.state.reviews.set(review.id, review);
  comment.review_id = review.id;
  ctx.state.reviewComments.set(comment.id, comment);
  return json(201, reviewCommentJson(ctx.state, comment));
}

const REVIEW_STATES: Record<string, ReviewRecord['state']> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
};

function createReview(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const input = new Input(ctx.body);
  const event = input.str('event');
  if (event !== undefined && !(event in REVIEW_STATES))
    throw validationFailed([{ resource: 'PullRequestReview', code: 'invalid', field: 'event' }]);
  const body = input.str('body') ?? '';
  const comments = input.objects('comments');
  if (event === 'REQUEST_CHANGES' && body === '')
    throw new HttpError(422, 'Unprocessable Entity', {
      errors: ["Review body can't be blank when requesting changes"],
    });
  if (event === 'COMMENT' && body === '' && comments.length === 0)
    throw new HttpError(422, 'Unprocessable Entity', { errors: ["Review body can't be blank"] });
  if ((event === 'APPROVE' || event === 'REQUEST_CHANGES') && ctx.identity.login === pr.user) {
    const verb = event === 'APPROVE' ? 'approve' : 'request changes on';
    throw new HttpError(422, 'Unprocessable Entity', {
      errors: [`Review Can not ${verb} your own pull request`],
    });
  }
  const commitId = input.str('commit_id') ?? pr.head.sha;
  const review: ReviewRecord = {
    id: ctx.state.nextId(),
    repo: pr.repo,
    pull_number: pr.number,
    user: ctx.identity.login,
    body,
    state: event ? (REVIEW_STATES[event] ?? 'PENDING') : 'PENDING',
    commit_id: commitId,
    submitted_at: event ? ctx.state.now() : null,
  };
  // Validate every comment before storing any: a bad one fails the whole review, as on GitHub.
  const created = comments.map((c) => newReviewComment(ctx, pr, c, review.id, commitId));
  ctx.state.reviews.set(review.id, review);
  for (const c of created) ctx.state.reviewComments.set(c.id, c);
  return json(200, reviewJson(ctx.state, review));
}

function submitReview(ctx: Ctx): Reply {
  const pr = pullOf(ctx);
  requireWriter(ctx, repoOf(ctx));
  const review = ctx.state.reviews.get(numParam(ctx, 3));
  if (!review || review.pull_number !== pr.number || review.repo !== pr.repo) throw notFound();
  if (review.state !== 'PENDING')
    throw new HttpError(422, 'Unprocessable Entity', { errors: ['Can not submit a non-pending review'] });
  const input = new Input(ctx.body);
  const state = REVIEW_STATES[input.reqStr('event')];
  if (!state) throw validationFailed([{ resource: 'PullRequestReview', code: 'invalid', field: 'event' }]);
  review.state = state;
  review.body = input.str('body') ?? review.body;
  review.submitted_at = ctx.state.now();
  return json(200, reviewJson(ctx.state, review));
}

function reviewOf(ctx: Ctx): ReviewRecord {
  const pr = pullOf(ctx);
  const review = ctx.state.reviews.get(numParam(ctx, 3));
  if (!review || review.pull_number !== pr.number || review.repo !== pr.repo) throw notFound();
  return review;
}

const pullCommentSubject = (ctx: Ctx): string => `pull_comment:${reviewCommentOf(ctx).id}`;

export const pullRoutes: Route[] = [
  route('GET', `${R}/pulls`, listPulls),
  route('POST', `${R}/pulls`, createPull),
  route('GET', `${R}/pulls/comments/:id`, (ctx) =>
    json(200, reviewCommentJson(ctx.state, reviewCommentOf(ctx))),
  ),
  route('PATCH', `${R}/pulls/comments/:id`, (ctx) => {
    const comment = reviewCommentOf(ctx);
    requireWriter(ctx, repoOf(ctx));
    comment.body = new Input(ctx.body).reqStr('body');
    comment.updated_at = ctx.state.now();
    return json(200, reviewCommentJson(ctx.state, comment));
  }),
  route('DELETE', `${R}/pulls/comments/:id`, (ctx) => {
    const comment = reviewCommentOf(ctx);
    requireWriter(ctx, repoOf(ctx));
    ctx.state.reviewComments.delete(comment.id);
    return noContent();
  }),
  route('GET', `${R}/pulls/comments/:id/reactions`, (ctx) => listReactions(ctx, pullCommentSubject(ctx))),
  route('POST', `${R}/pulls/comments/:id/reactions`, (ctx) => addReaction(ctx, pullCommentSubject(ctx))),
  route('DELETE', `${R}/pulls/comments/:id/reactions/:rid`, (ctx) =>
    deleteReaction(ctx, pullCommentSubject(ctx), numParam(ctx, 3)),
  ),
  route('GET', `${R}/pulls/:n`, getPull),
  route('PATCH', `${R}/pulls/:n`, updatePull),
  route('GET', `${R}/pulls/:n/files`, listFiles),
  route('GET', `${R}/pulls/:n/commits`, listCommits),
  route('GET', `${R}/pulls/:n/comments`, (ctx) => {
    const pr = pullOf(ctx);
    return pagedJson(ctx, ctx.state.reviewCommentsOf(pr.repo, pr.number), (c) =>
      reviewCommentJson(ctx.state, c),
    );
  }),
  route('POST', `${R}/pulls/:n/comments`, createReviewComment),
  route('POST', `${R}/pulls/:n/comments/:id/replies`, (ctx) => {
    requireWriter(ctx, repoOf(ctx));
    return replyTo(ctx, pullOf(ctx), numParam(ctx, 3), new Input(ctx.body).reqStr('body'));
  }),
  route('GET', `${R}/pulls/:n/reviews`, (ctx) => {
    const pr = pullOf(ctx);
    // Pending reviews are visible to their author only.
    const list = ctx.state
      .reviewsOf(pr.repo, pr.number)
      .filter((r) => r.state !== 'PENDING' || r.user === author(ctx).login);
    return pagedJson(ctx, list, (r) => reviewJson(ctx.state, r));
  }),
  route('POST', `${R}/pulls/:n/reviews`, createReview),
  route('GET', `${R}/pulls/:n/reviews/:id`, (ctx) => json(200, reviewJson(ctx.state, reviewOf(ctx)))),
  route('GET', `${R}/pulls/:n/reviews/:id/comments`, (ctx) => {
    const review = reviewOf(ctx);
    const list = [...ctx.state.reviewComments.values()].filter((c) => c.review_id === review.id);
    return pagedJson(ctx, list, (c) => reviewCommentJson(ctx.state, c));
  }),
  route('POST', `${R}/pulls/:n/reviews/:id/events`, submitReview),
];
