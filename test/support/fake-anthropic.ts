/**
 * A loopback fake of the Anthropic Messages API, good enough for the real Claude Code CLI.
 *
 * Each test scripts the model as a function from the request (system, messages, tools) to the
 * next assistant turn. Replies are streamed as Server-Sent Events exactly as the CLI expects, with
 * usage numbers so the CLI computes a non-zero `total_cost_usd`. Every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A content block as the CLI sends it; fields depend on `type` (text, tool_use, tool_result, …). */
export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
  [key: string]: unknown;
}

export interface Message {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface MessagesRequest {
  model: string;
  system?: string | { type: 'text'; text: string }[];
  messages: Message[];
  tools?: { name: string; description?: string; input_schema?: unknown }[];
  stream?: boolean;
  max_tokens?: number;
  [key: string]: unknown;
}

/** What the scripted model answers with: plain text, tool calls, or both. */
export interface Turn {
  text?: string;
  toolUses?: { name: string; input: Record<string, unknown>; id?: string }[];
  usage?: { input_tokens: number; output_tokens: number };
  /** Answer with an HTTP error instead of a turn (e.g. 429, 529, 401). */
  error?: { status: number; type: string; message: string; retryAfter?: number };
  /** Hold the response this many ms before answering (for cancellation tests). */
  delayMs?: number;
}

export type Script = (
  req: MessagesRequest,
  ctx: { index: number; mainIndex: number },
) => Turn | Promise<Turn>;

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: MessagesRequest;
  /** The raw request body, for "did this string ever reach the model" assertions. */
  raw: string;
}

/** True for the agent's own conversation, false for the CLI's side calls (titles, summaries). */
export function isMainLoop(req: MessagesRequest): boolean {
  return Array.isArray(req.tools) && req.tools.length > 0;
}

/** The text of every block of the last user message (tool results included). */
export function lastUserText(req: MessagesRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  return contentText(last.content);
}

export function contentText(content: string | ContentBlock[] | unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b: ContentBlock) => {
      if (b.type === 'text') return String(b.text);
      if (b.type === 'tool_result') return contentText(b.content);
      return '';
    })
    .join('\n');
}

/** The tool results in the last user message, in order. */
export function lastToolResults(
  req: MessagesRequest,
): { tool_use_id: string; text: string; is_error: boolean }[] {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!last || typeof last.content === 'string') return [];
  return last.content
    .filter((b) => b.type === 'tool_result')
    .map((b) => ({
      tool_use_id: String(b.tool_use_id),
      text: contentText(b.content),
      is_error: b.is_error === true,
    }));
}

/** How many assistant turns the conversation already has (0 on the first call). */
export function assistantTurns(req: MessagesRequest): number {
  return req.messages.filter((m) => m.role === 'assistant').length;
}

/** A script that plays a fixed list of turns for the main loop and answers side calls briefly. */
export function sequence(turns: Turn[]): Script {
  return (req) => {
    if (!isMainLoop(req)) return { text: 'ok' };
    const n = assistantTurns(req);
    return turns[Math.min(n, turns.length - 1)] ?? { text: 'done' };
  };
}

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Main-loop requests only (the agent's conversation). */
  mainRequests(): RecordedRequest[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

let toolIdCounter = 0;

function sse(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamTurn(res: http.ServerResponse, model: string, turn: Turn): void {
  const usage = turn.usage ?? { input_tokens: 1200, output_tokens: 150 };
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_fake_${Date.now()}`,
  });
  const id = `msg_fake_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  let index = 0;
  if (turn.text !== undefined && turn.text !== '') {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '' },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'text_delta', text: turn.text },
    });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  for (const use of turn.toolUses ?? []) {
    const toolId = use.id ?? `toolu_fake_${++toolIdCounter}_${Date.now()}`;
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: toolId, name: use.name, input: {} },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(use.input) },
    });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  const stopReason = (turn.toolUses?.length ?? 0) > 0 ? 'tool_use' : 'end_turn';
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function nonStreamTurn(res: http.ServerResponse, model: string, turn: Turn): void {
  const usage = turn.usage ?? { input_tokens: 1200, output_tokens: 150 };
  const content: unknown[] = [];
  if (turn.text) content.push({ type: 'text', text: turn.text });
  for (const use of turn.toolUses ?? []) {
    content.push({
      type: 'tool_use',
      id: use.id ?? `toolu_fake_${++toolIdCounter}`,
      name: use.name,
      input: use.input,
    });
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: `msg_fake_${Date.now()}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: (turn.toolUses?.length ?? 0) > 0 ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage,
    }),
  );
}

export async function startFakeAnthropic(
  script: Script = sequence([{ text: 'Hello from the fake model.' }]),
) {
  let current = script;
  let index = 0;
  let mainIndex = 0;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        if (path.startsWith('/v1/messages/count_tokens')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ input_tokens: Math.ceil(raw.length / 4) }));
          return;
        }
        if (!path.startsWith('/v1/messages')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              type: 'error',
              error: { type: 'not_found_error', message: `no route ${path}` },
            }),
          );
          return;
        }
        let body: MessagesRequest;
        try {
          body = JSON.parse(raw) as MessagesRequest;
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'bad json' } }),
          );
          return;
        }
        requests.push({ path, headers: req.headers, body, raw });
        const ctx = { index: index++, mainIndex: isMainLoop(body) ? mainIndex++ : -1 };
        let turn: Turn;
        try {
          turn = await current(body, ctx);
        } catch (err) {
          turn = { error: { status: 500, type: 'api_error', message: String(err) } };
        }
        if (turn.delayMs) {
          // Held, but released as soon as the client goes away (an interrupted or killed CLI), so
          // no timer outlives the test.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, turn.delayMs);
            res.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        if (res.destroyed) return;
        if (turn.error) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (turn.error.retryAfter !== undefined) headers['retry-after'] = String(turn.error.retryAfter);
          res.writeHead(turn.error.status, headers);
          res.end(
            JSON.stringify({ type: 'error', error: { type: turn.error.type, message: turn.error.message } }),
          );
          return;
        }
        const model = body.model || 'claude-sonnet-4-5';
        if (body.stream) streamTurn(res, model, turn);
        else nonStreamTurn(res, model, turn);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mainRequests: () => requests.filter((r) => isMainLoop(r.body)),
    setScript(s: Script) {
      current = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } satisfies FakeAnthropic;
}
