/**
 * Posts the relay's comment on the PR/issue and edits it as the run goes. Every body passes
 * through redaction first. With `comment_mode: update` one comment is created at the start and
 * edited into the final result; with `new` the result is a new comment.
 */
import type { GitHub } from '../github/client';

export interface CommentRef {
  id: number;
  url: string;
}

export interface PublisherOptions {
  gh: GitHub;
  owner: string;
  repo: string;
  issueNumber: number;
  mode: 'update' | 'new';
  redact: (s: string) => string;
}

export class CommentPublisher {
  private progress?: CommentRef;
  private final?: CommentRef;

  constructor(private o: PublisherOptions) {}

  get progressComment(): CommentRef | undefined {
    return this.progress;
  }

  async start(body: string): Promise<CommentRef> {
    this.progress = await this.create(body);
    return this.progress;
  }

  /** Rewrites the progress comment (update_progress, live status). */
  async updateProgress(body: string): Promise<void> {
    if (!this.progress) return;
    await this.edit(this.progress.id, body);
  }

  async finish(body: string, progressDoneBody?: string): Promise<CommentRef> {
    if (this.o.mode === 'update' && this.progress) {
      await this.edit(this.progress.id, body);
      this.final = this.progress;
    } else {
      this.final = await this.create(body);
      if (this.progress && progressDoneBody) await this.edit(this.progress.id, progressDoneBody);
    }
    return this.final;
  }

  /** A direct reply (help, cost, refusals): one new comment. */
  async reply(body: string): Promise<CommentRef> {
    return this.create(body);
  }

  private async create(body: string): Promise<CommentRef> {
    const { data } = await this.o.gh.rest.issues.createComment({
      owner: this.o.owner,
      repo: this.o.repo,
      issue_number: this.o.issueNumber,
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
