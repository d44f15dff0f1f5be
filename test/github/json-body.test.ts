import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { RequestError } from '@octokit/request-error';
import { fastJsonBodies, jsonBodiesReadBy, parseJsonText } from '../../src/github/json-body';
import { payload } from '../support/payloads';

/** Canned answers by path: status, content type (none when undefined) and body bytes. */
interface Answer {
  status: number;
  type?: string;
  body: string | Buffer;
}

const bigIds =
  '{"id":12345678901234567890,"small":42,"sha":"0123456789012345678901234567890123456789","neg":-98765432109876543210}';
const pr = JSON.stringify(payload('pull_request', 'opened'));
const ANSWERS: Record<string, Answer> = {
  '/json': { status: 200, type: 'application/json; charset=utf-8', body: pr },
  '/big': { status: 200, type: 'application/json; charset=utf-8', body: bigIds },
  '/noise': {
    status: 200,
    type: 'application/json',
    body: '{"a":"123n","b":"-7nn","c":1.5e300,"d":[1,2,3]}',
  },
  '/scim': { status: 200, type: 'application/scim+json', body: '{"Resources":[{"id":"x"}]}' },
  '/not-json': { status: 200, type: 'application/json', body: '{"truncated":' },
  '/empty-json': { status: 200, type: 'application/json', body: '' },
  '/diff': {
    status: 200,
    type: 'application/vnd.github.diff; charset=utf-8',
    body: 'diff --git a/x b/x\n+1\n',
  },
  '/text': { status: 200, type: 'text/plain', body: 'plain words' },
  '/binary': {
    status: 200,
    type: 'application/octet-stream; charset=utf-8',
    body: Buffer.from([0, 1, 2, 255]),
  },
  '/untyped': { status: 200, body: 'no content type' },
  '/no-content': { status: 204, body: '' },
  '/missing': {
    status: 404,
    type: 'application/json',
    body: '{"message":"Not Found","id":12345678901234567890}',
  },
};

let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    if (req.url === '/slow') {
      // A large answer that arrives in parts, as a long page of runs does from GitHub.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"log":"');
      for (let i = 0; i < 5; i++) {
        res.write('x'.repeat(70_000));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return void res.end('"}');
    }
    const answer = ANSWERS[new URL(req.url ?? '/', 'http://x').pathname];
    if (!answer) return void res.writeHead(500).end();
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const plain = () => new Octokit({ baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });
const fast = () =>
  new (Octokit.plugin(fastJsonBodies))({ baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });

/** A body in a form toEqual compares by content (an ArrayBuffer as its bytes). */
const comparable = (data: unknown) => (data instanceof ArrayBuffer ? [...new Uint8Array(data)] : data);

/** What a request resolves or rejects with, in a comparable form. */
async function outcome(o: Octokit, route: string, extra: Record<string, unknown> = {}) {
  try {
    const { status, data } = await o.request(route, extra);
    return { status, data: comparable(data) };
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    return { error: err.status, message: err.message, data: comparable(err.response?.data) };
  }
}

describe('fastJsonBodies', () => {
  it.each(Object.keys(ANSWERS))('reads %s to what Octokit itself returns', async (path) => {
    const mine = await outcome(fast(), `GET ${path}`);
    expect(mine).toEqual(await outcome(plain(), `GET ${path}`));
  });

  it('reads every JSON answer with its own parser, and nothing else', async () => {
    const texts: string[] = [];
    const spied = new (Octokit.plugin(jsonBodiesReadBy((text) => (texts.push(text), parseJsonText(text)))))({
      baseUrl,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    for (const path of Object.keys(ANSWERS)) await outcome(spied, `GET ${path}`);
    // Error answers (the 404) are read by Octokit, which builds the error from them.
    const json = ['/json', '/big', '/noise', '/scim', '/not-json', '/empty-json'];
    expect(texts).toEqual(json.map((path) => String(ANSWERS[path]!.body)));
  });

  it('reads the body even when the answer is garbage-collected before it is read', async () => {
    // undici cancels the body of a Response collected while its body is unread and still arriving;
    // a hook inside this plugin (retry, throttling) may hold the answer across timers meanwhile.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const collectAfter = (o: Pick<Octokit, 'hook'>) =>
      o.hook.wrap('request', async (request, options) => {
        const response = await request(options);
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return response;
      });
    const octokit = new (Octokit.plugin(collectAfter, fastJsonBodies))({ baseUrl });
    for (let i = 0; i < 5; i++)
      expect((await octokit.request('GET /slow')).data).toEqual({ log: 'x'.repeat(350_000) });
  });

  it('keeps integers above 2^53 exact, as Octokit does', async () => {
    const { data } = await fast().request('GET /big');
    expect(data).toEqual({
      id: 12345678901234567890n,
      small: 42,
      sha: '0123456789012345678901234567890123456789',
      neg: -98765432109876543210n,
    });
  });

  it('reads a real payload to the same value as JSON.parse', async () => {
    const { data } = await fast().request('GET /json');
    expect(data).toEqual(JSON.parse(pr));
  });

  it('answers HEAD with an empty body, as Octokit does', async () => {
    expect(await outcome(fast(), 'HEAD /json')).toEqual(await outcome(plain(), 'HEAD /json'));
  });

  it('leaves the body to a caller that reads it itself', async () => {
    const { data } = await fast().request('GET /diff', { request: { parseSuccessResponseBody: false } });
    expect(data).toBeInstanceOf(ReadableStream);
    expect(await new Response(data as ReadableStream).text()).toBe(ANSWERS['/diff']!.body);
  });
});

describe('parseJsonText', () => {
  it('matches JSON.parse where no number needs a BigInt, and keeps the ones that do', () => {
    expect(parseJsonText(pr)).toEqual(JSON.parse(pr));
    expect(parseJsonText('[9007199254740991, 9007199254740993]')).toEqual([
      9007199254740991,
      9007199254740993n,
    ]);
    expect(parseJsonText('[-9007199254740992, 1e300, 2.5]')).toEqual([-9007199254740992n, 1e300, 2.5]);
    // 16 digits in a row inside a string (a commit SHA) are no number: the value is JSON.parse's.
    const sha = '{"head_sha":"46fefefca0949ef9159913197877004e849e5289","id":7}';
    expect(parseJsonText(sha)).toEqual(JSON.parse(sha));
    expect(() => parseJsonText('{')).toThrow(SyntaxError);
  });
});
