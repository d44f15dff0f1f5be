/**
 * Tells people what the attempt did: submits the buffered inline review, stores the session, turns
 * the progress comment into the result, sets the outputs and the job summary, and ends the step
 * with the right status. Each part is attempted even when an earlier one failed.
 */
import * as core from '@actions/core';
import { auditTable } from '../agent/enforce';
import { describeGitHubError } from '../github/client';
import { formatUsd, renderFinal } from '../report/comment';
import { oneLineError } from '../report/errors';
import { markStage } from '../report/stages';
import { outputsFrom, summaryMarkdown, writeOutputs } from '../report/outputs';
import { settleStructuredOutput } from '../report/structured';
import type { Attempt } from './attempt';
import { PROGRESS_DONE, type Turn } from './frame';
import type { Gathered } from './gather';

const REAL_FAILURES = new Set(['failure', 'timeout', 'cancelled']);

export async function report(t: Turn, g: Gathered, a: Attempt): Promise<void> {
  const { outcome } = a;
  for (const c of outcome.toolCalls) {
    if (c.name === 'mcp__relay__commit_and_push' && c.outcome !== 'ok') {
      t.notes.push(`Changes were not pushed: ${c.detail ?? c.outcome}`);
    }
  }
  // Before anything is reported: a json_schema run without valid structured output is a failure.
  const structuredOutput = settleStructuredOutput(outcome, t.settings.jsonSchema);
  if (g.ok) await flushRelay(t, g);
  const store = g.ok ? await persistSession(t, g, outcome.sessionId) : 'none';
  const reviewedHead = g.ok && t.req.command.name === 'review' ? g.pr?.headSha : undefined;
  const commentUrl = await publishResult(t, g.spentBefore, a, store, reviewedHead);
  writeOutputs(core, outputsFrom(outcome, outcome.conclusion, commentUrl, '', structuredOutput), t.redact);
  try {
    const tables = g.ok ? [auditTable(g.agent.enforcer.audit)] : [];
    await core.summary
      .addRaw(t.redact(summaryMarkdown(outcome, commentUrl, tables, structuredOutput)))
      .write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${oneLineError(err)}`);
  }
  markStage('published');
  const costLine = `cost ${outcome.costEstimated ? '≈' : ''}${formatUsd(outcome.costUsd)}`;
  if (REAL_FAILURES.has(outcome.conclusion)) {
    core.setFailed(t.redact(`${outcome.conclusion}: ${outcome.result} (${costLine})`));
  } else if (outcome.conclusion !== 'success') {
    core.warning(t.redact(`${outcome.conclusion}: ${outcome.result} (${costLine})`));
  } else {
    core.info(`Done: ${costLine}`);
  }
}

/** Inline comments become one review; a push already happened inside the tool call. */
async function flushRelay(t: Turn, g: Extract<Gathered, { ok: true }>): Promise<void> {
  if (!g.relay) return;
  const flushed = await g.relay.flush();
  if (flushed.error) core.warning(t.redact(`Could not submit the review: ${flushed.error}`));
  if (flushed.reviewUrl)
    t.notes.push(`Inline comments: ${flushed.comments} in [this review](${flushed.reviewUrl}).`);
  if (flushed.pushed) {
    const p = flushed.pushed;
    t.notes.push(
      `Pushed ${p.commits} commit${p.commits === 1 ? '' : 's'} to \`${p.branch}\` (${p.sha.slice(0, 7)})${p.pullRequest ? `: draft PR #${p.pullRequest.number}` : ''}.`,
    );
  }
}

async function persistSession(
  t: Turn,
  g: Extract<Gathered, { ok: true }>,
  sessionId: string | undefined,
): Promise<string> {
  if (!sessionId) return 'none';
  try {
    const store = await g.session.persist(sessionId);
    if (store !== 'none') core.info(`Session ${sessionId} stored at ${store}`);
    return store;
  } catch (err) {
    core.warning(t.redact(`Could not store the session: ${oneLineError(err)}`));
    return 'none';
  }
}

/** The result comment (the progress comment edited, or a new one); its URL, or '' if it failed. */
async function publishResult(
  t: Turn,
  spentBefore: number,
  a: Attempt,
  store: string,
  reviewedHead: string | undefined,
): Promise<string> {
  const total = spentBefore + a.outcome.costUsd;
  try {
    const body = renderFinal({
      outcome: a.outcome,
      run: t.run,
      store,
      notes: t.notes,
      footerExtras:
        spentBefore > 0
          ? [`${t.req.target.kind === 'pull_request' ? 'PR' : 'issue'} total ${formatUsd(total)}`]
          : [],
      sessionTotals: a.sessionTotals,
      ...(reviewedHead ? { reviewedHead } : {}),
    });
    const ref = await t.publisher.finish(body, `${PROGRESS_DONE} ([run](${t.run.runUrl}))`);
    return ref?.url ?? '';
  } catch (err) {
    core.error(t.redact(`Could not post the result comment: ${describeGitHubError(err)}`));
    return '';
  }
}
