/**
 * `comment_mode: sticky`: one relay comment per PR/issue, rewritten by every run. The latest run
 * is on top; earlier runs are folded into a `<details>` history below it; one marker closes the
 * comment, carrying the earlier runs' costs in its `history` (their own markers are gone).
 *
 * Layout (the hidden anchors are the relay's; the same strings are removed from any text put
 * into the comment, so an answer cannot forge a history split):
 *
 *   <current run>
 *
 *   <!-- claude-relay:history -->
 *   <details><summary>Earlier runs (N)</summary>
 *
 *   <run> <!-- claude-relay:entry --> <run> …
 *
 *   </details>
 *
 *   <!-- claude-relay:session {…} -->
 */
import { parseMarker, renderMarker, stripMarkers, type Marker } from '../core/ledger';

const HISTORY = '<!-- claude-relay:history -->';
const ENTRY = '<!-- claude-relay:entry -->';
/** GitHub refuses comment bodies over 65,536 characters; older runs are dropped first. */
export const MAX_STICKY_CHARS = 65_000;

export type HistoryEntry = NonNullable<Marker['history']>[number];

/** What an earlier sticky comment holds, for the next run to fold. */
export interface StickyState {
  /** Earlier runs' texts, newest first. */
  entries: string[];
  /** Earlier runs' costs, newest first. */
  history: HistoryEntry[];
}

export const EMPTY_STICKY: StickyState = { entries: [], history: [] };

/** The text without any hidden relay comment (anchors, markers, look-alikes). */
export function stripRelayComments(text: string): string {
  return stripMarkers(text).trim();
}

/**
 * Reads an earlier sticky comment of the relay: its current run becomes the newest history entry
 * (when it finished; a run that never finished leaves only a progress text, which is dropped).
 */
export function foldSticky(body: string): StickyState {
  const marker = parseMarker(lastMarkerLine(body));
  const at = body.indexOf(HISTORY);
  const current = stripRelayComments(at >= 0 ? body.slice(0, at) : body);
  let older: string[] = [];
  if (at >= 0) {
    const rest = body
      .slice(at + HISTORY.length)
      .replace(/^\s*<details><summary>[^<\n]*<\/summary>/, '')
      .replace(/<\/details>\s*(<!-- claude-relay:session [^\n]*-->\s*)?$/, '');
    older = rest
      .split(ENTRY)
      .map((e) => stripRelayComments(e))
      .filter((e) => e !== '');
  }
  const history = [...(marker?.history ?? [])];
  const entries = [...older];
  if (marker?.status === 'done') {
    history.unshift({
      run_id: marker.run_id,
      ...(marker.cost_usd !== undefined ? { cost_usd: marker.cost_usd } : {}),
      ...(marker.conclusion !== undefined ? { conclusion: marker.conclusion } : {}),
    });
    if (current) entries.unshift(current);
  }
  return { entries, history };
}

/**
 * The sticky comment for `body` (a progress or final body ending with its marker) on top of the
 * earlier runs. The marker is rewritten to carry the history and `mode: sticky`.
 */
export function composeSticky(body: string, state: StickyState): string {
  const markerLine = lastMarkerLine(body);
  const marker = parseMarker(markerLine);
  const current = stripRelayComments(body);
  const renderedMarker = marker
    ? renderMarker({
        ...marker,
        mode: 'sticky',
        ...(state.history.length ? { history: state.history.slice(0, 500) } : {}),
      })
    : '';
  const tail = renderedMarker ? `\n\n${renderedMarker}` : '';
  let entries = state.entries;
  for (;;) {
    const text = entries.length
      ? `${current}\n\n${HISTORY}\n<details><summary>Earlier runs (${entries.length})</summary>\n\n${entries.join(`\n\n${ENTRY}\n\n`)}\n\n</details>${tail}`
      : `${current}${tail}`;
    if (text.length <= MAX_STICKY_CHARS || entries.length === 0) return text;
    entries = entries.slice(0, -1);
  }
}

function lastMarkerLine(body: string): string {
  const lines = body.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return last.startsWith('<!-- claude-relay:session ') ? last : '';
}
