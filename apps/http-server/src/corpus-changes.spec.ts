// Issue 15, resource updates on subscriptions/listen: a document of the research corpus changing on disk reaches
// a 2026-07-28 listen stream as notifications/resources/updated for its URI, and a document added or deleted as
// notifications/resources/list_changed, on every replica. Two http-server processes (the built main.js) share
// PostgreSQL (a database of their own, where the corpus is indexed) and Redis (a key prefix of their own, the change
// feed); only replica A watches the corpus folder, so every change is indexed by A, and the SDK v2 client pinned to
// 2026-07-28 listens on replica B over real HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

jest.setTimeout(120_000);

const RUN = randomBytes(4).toString('hex');
const PREFIX = `test:corpus-changes:${RUN}:`;
const DOCUMENTS_URI = 'research://documents';
const GUIDE_URI = 'research://documents/corpus/guide.md';
/** How long a change may take to be indexed and told, under load: the watcher's debounce, a re-index, Redis. */
const HEARD_WITHIN_MS = 20_000;

type Seen = Array<{ method: string; uri?: string }>;

describe('corpus changes on listen streams across two replicas', () => {
  let corpusDir: string;
  let database: ThrowawayDatabase;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  const replicas: ServerProcess[] = [];

  beforeAll(async () => {
    corpusDir = await mkdtemp(path.join(tmpdir(), 'corpus-changes-'));
    await writeFile(path.join(corpusDir, 'guide.md'), '# Guide\n\nThe first edition.');
    database = await createThrowawayDatabase({ prefix: 'corpus' });
    await redis.connect();
    const env = {
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: `${PREFIX}rl:`,
      DATABASE_URL: database.url,
      DATABASE_TOOLS: 'false',
      SUPPORT_TOOLS: 'false',
      RESEARCH_TOOLS: 'true',
      RESEARCH_CORPUS_DIR: corpusDir,
      OPENAI_API_KEY: 'test-key',
      LOG_LEVEL: 'info',
    };
    replicas.push(
      await startServerProcess({ ...env, RESEARCH_CORPUS_WATCH: 'true' }),
      await startServerProcess({ ...env, RESEARCH_CORPUS_WATCH: 'false' }),
    );
    // Both replicas have joined the change feed's channel before anything changes.
    const channel = `${PREFIX}bus:changes`;
    const subscribers = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    for (const started = Date.now(); (await subscribers()) < 2; await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() - started > 15_000) throw new Error('the replicas did not subscribe to the change feed');
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.kill()));
    await database?.drop();
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await rm(corpusDir, { recursive: true, force: true });
  });

  /** The SDK v2 client pinned to 2026-07-28 on replica B, recording the resource notifications it receives. */
  async function listenerOnB(): Promise<{ client: Client; seen: Seen }> {
    const client = new Client(
      { name: 'corpus-listener', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const seen: Seen = [];
    for (const method of ['notifications/resources/updated', 'notifications/resources/list_changed'] as const)
      client.setNotificationHandler(method, (n) => {
        seen.push({ method: n.method, uri: (n.params as { uri?: string } | undefined)?.uri });
      });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${replicas[1]?.base}/mcp`)));
    return { client, seen };
  }

  const heard = (seen: Seen, method: string, uri?: string) =>
    until(() => seen.some((n) => n.method === method && n.uri === uri), HEARD_WITHIN_MS, `${method} ${uri ?? ''}`);

  it('tells a listener on B of a document edited on disk and indexed by A, and B reads the new text', async () => {
    const { client, seen } = await listenerOnB();
    try {
      // B indexes the folder as it stands (its first listing), so A's index of the edit is a change.
      expect((await client.listResources()).resources.map((r) => r.uri)).toContain(GUIDE_URI);
      const subscription = await client.listen({ resourceSubscriptions: [GUIDE_URI, DOCUMENTS_URI] });
      expect(subscription.honoredFilter).toEqual({ resourceSubscriptions: [GUIDE_URI, DOCUMENTS_URI] });
      await writeFile(path.join(corpusDir, 'guide.md'), '# Guide\n\nThe second edition, revised.');
      await heard(seen, 'notifications/resources/updated', GUIDE_URI);
      await heard(seen, 'notifications/resources/updated', DOCUMENTS_URI);
      const read = await client.readResource({ uri: GUIDE_URI });
      expect((read.contents[0] as { text: string }).text).toBe(
        (await readFile(path.join(corpusDir, 'guide.md'), 'utf8')).trim(),
      );
      // Only what it subscribed to: no list change was asked for.
      expect(seen.every((n) => n.method === 'notifications/resources/updated')).toBe(true);
      await subscription.close();
    } finally {
      await client.close();
    }
  });

  it('tells a listener on B that the list changed when a document is added, then when it is deleted', async () => {
    const { client, seen } = await listenerOnB();
    try {
      await client.listResources();
      const subscription = await client.listen({ resourcesListChanged: true });
      await writeFile(path.join(corpusDir, 'faq.md'), '# FAQ\n\nQuestions people ask.');
      await heard(seen, 'notifications/resources/list_changed');
      expect((await client.listResources()).resources.map((r) => r.uri)).toContain(
        'research://documents/corpus/faq.md',
      );
      const before = seen.length;
      await rm(path.join(corpusDir, 'faq.md'));
      await until(() => seen.length > before, HEARD_WITHIN_MS, 'a second list_changed');
      expect(seen.slice(before)[0]).toEqual({ method: 'notifications/resources/list_changed', uri: undefined });
      expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain(
        'research://documents/corpus/faq.md',
      );
      await subscription.close();
    } finally {
      await client.close();
    }
  });
});
