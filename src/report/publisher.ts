/**
 * Posts the relay's comment on the PR/issue and edits it as the run goes. Every body passes
 * through redaction first. With `comment_mode: update` one comment is created at the start and
 * edited into the final result; with `new` the result is a new comment; with `sticky` the PR's or
 * issue's one relay comment is rewritten, earlier runs folded below (see sticky.ts). An automation
 * run (no PR/issue) posts nothing.
 */
import type { GitHub } from '../github/client';
import { reply, threadComments, type CommentRef, type ReplyAt } from '../core/github';
import { isOwnComment } from '../core/identity';
import { parseMarker } from '../core/ledger';
import { composeSticky, EMPTY_STICKY, foldSticky, type StickyState } from './sticky';

export type { CommentRef } from '../core/github';

export interface PublisherOptions {
  gh: GitHub;
  owner: string;
  repo: string;
  /** Undefined for an automation run: nothing is posted. */
  issueNumber: number | undefined;
  mode: 'update' | 'new' | 'sticky';
  redact: (s: string) => string;
  /** The relay's own logins: the sticky comment is looked for among their comments only. */
  selfLogins?: string[];
  /** The comment that asked: a direct reply to a review comment goes to its thread. */
  replyTo?: ReplyAt['comment'];
}

export class CommentPublisher {
  private progress?: CommentRef;
  private final?: CommentRef;
  private sticky: StickyState = EMPTY_STICKY;

  constructor(private o: PublisherOptions) {}

  get progressComment(): CommentRef | undefined {
    return this.progress;
  }

  /** False for an automation run: there is no thread to post in. */
  get posts(): boolean {
    return this.o.issueNumber !== undefined;
  }

  async start(body: string): Promise<CommentRef | undefined> {
    if (!this.posts) return undefined;
    if (this.o.mode === 'sticky') {
      const existing = await this.findSticky();
      if (existing) {
        this.sticky = foldSticky(existing.body);
        this.progress = existing.ref;
        await this.edit(existing.ref.id, composeSticky(body, this.sticky));
        return this.progress;
      }
      this.progress = await this.create(composeSticky(body, this.sticky));
      return this.progress;
    }
    this.progress = await this.create(body);
    return this.progress;
  }

  /** Rewrites the progress comment (update_progress, live status). */
  async updateProgress(body: string): Promise<void> {
    if (!this.progress) return;
    await this.edit(this.progress.id, this.o.mode === 'sticky' ? composeSticky(body, this.sticky) : body);
  }

  async finish(body: string, progressDoneBody?: string): Promise<CommentRef | undefined> {
    if (!this.posts) return undefined;
    if (this.o.mode === 'sticky') {
      const text = composeSticky(body, this.sticky);
      if (this.progress) await this.edit(this.progress.id, text);
      else this.progress = await this.create(text);
      this.final = this.progress;
      return this.final;
    }
    if (this.o.mode === 'update' && this.progress) {
      await this.edit(this.progress.id, body);
      this.final = this.progress;
    } else {
      this.final = await this.create(body);
      if (this.progress && progressDoneBody) await this.edit(this.progress.id, progressDoneBody);
    }
    return this.final;
  }

  /** A direct reply (help, cost, stop): one new comment where the request was made. */
  async reply(body: string): Promise<CommentRef> {
    const { owner, repo, replyTo } = this.o;
    return reply(
      this.o.gh,
      { owner, repo, number: this.issueNumber(), ...(replyTo ? { comment: replyTo } : {}) },
      this.o.redact(body),
    );
  }

  /** The newest sticky comment the relay itself wrote on this PR/issue. */
  private async findSticky(): Promise<{ ref: CommentRef; body: string } | undefined> {
    const comments = await threadComments(this.o.gh, {
      owner: this.o.owner,
      repo: this.o.repo,
      number: this.issueNumber(),
    });
    const selfLogins = this.o.selfLogins ?? [];
    for (let i = comments.length - 1; i >= 0; i--) {
      const c = comments[i];
      if (!c?.body) continue;
      if (isOwnComment(c, selfLogins) && parseMarker(c.body)?.mode === 'sticky')
        return { ref: { id: c.id, url: c.url }, body: c.body };
    }
    return undefined;
  }

  private issueNumber(): number {
    if (this.o.issueNumber === undefined)
      throw new Error('an automation run has no PR or issue to comment on');
    return this.o.issueNumber;
  }

  private async create(body: string): Promise<CommentRef> {
    const { data } = await this.o.gh.rest.issues.createComment({
      owner: this.o.owner,
      repo: this.o.repo,
      issue_number: this.issueNumber(),
      body: this.o.redact(body),
    });
    return { id: data.id, url: data.html_url };
  }

  private async edit(id: number, body: string): Promise<void> {
    await this.o.gh.rest.issues.updateComment({
      owner: this.o.owner,
      repo: this.o.repo,
      comment_id: id,
      body: this.o.redact(body),
    });
  }
}
