// The guarded fetcher over real loopback HTTP: refused hops are never connected to (hit counters stay 0),
// allowed pages are read as text within their bounds.
import { gzipSync } from 'node:zlib';
import { FetchFailedError, FetchRefusedError } from './fetch-errors';
import { page, redirect, type PageServer, startPageServer } from '../spec-helpers/page-server';
import { createGuardedFetcher, type Resolver } from './guarded-fetch';

const ARTICLE = `<!doctype html><html><head><title>Tide tables</title><style>body{color:red}</style>
<script>window.secret = "do-not-extract"</script></head>
<body><nav>Home | About</nav><h1>Tides</h1><p>Spring tides happen near full and new moons.</p>
<noscript>enable js</noscript><ul><li>High water</li><li>Low water</li></ul></body></html>`;

async function refusal(promise: Promise<unknown>): Promise<FetchRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchRefusedError);
  return error as FetchRefusedError;
}

async function failure(promise: Promise<unknown>): Promise<FetchFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchFailedError);
  return error as FetchFailedError;
}

describe('guarded fetcher', () => {
  let site: PageServer;
  let inner: PageServer;

  beforeAll(async () => {
    // `inner` stands for a service on the server's own network: the fetcher must never reach it.
    inner = await startPageServer({ '/admin': page('secret admin page') }, '127.0.0.2');
    site = await startPageServer({
      '/article': page(ARTICLE),
      '/notes.md': page('# Field notes\n\nNeap tides are weaker.', 'text/markdown'),
      '/to-inner': redirect(`${inner.origin}/admin`),
      '/to-mapped': redirect(`http://[::ffff:127.0.0.2]:${inner.port}/admin`),
      '/to-metadata': redirect('http://169.254.169.254/latest/meta-data/'),
      '/to-private-name': redirect('http://intranet.test/'),
      '/to-article': redirect('/article', 301),
      '/loop': redirect('/loop'),
      '/big': page('x'.repeat(100_000), 'text/plain'),
      '/gzip': page(gzipSync('compressed words'), 'text/plain', { 'content-encoding': 'gzip' }),
      '/image': page(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'),
      '/missing-type': (_req, res) => void res.writeHead(200).end('?'),
      '/error': (_req, res) => void res.writeHead(500, { 'content-type': 'text/html' }).end('boom'),
      '/hang': () => undefined,
      '/drip': (_req, res) =>
        void res.writeHead(200, { 'content-type': 'text/plain' }).write('first words, then nothing'),
    });
  });
  afterAll(async () => {
    await site.close();
    await inner.close();
  });
  beforeEach(() => {
    site.hits.clear();
    inner.hits.clear();
  });

  const allowSite = (extra: Parameters<typeof createGuardedFetcher>[0] = {}) =>
    createGuardedFetcher({ allowNetworks: ['127.0.0.1/32'], ...extra });

  it('refuses a loopback URL by default without connecting to it', async () => {
    const error = await refusal(createGuardedFetcher().fetch(`${site.origin}/article`));
    expect(error.rule).toBe('address_blocked');
    expect(error.message).toContain('loopback');
    expect(site.total()).toBe(0);
  });

  it('refuses localhost by name: it resolves to loopback', async () => {
    const error = await refusal(createGuardedFetcher().fetch(`http://localhost:${site.port}/article`));
    expect(error.rule).toBe('address_blocked');
    expect(site.total()).toBe(0);
  });

  it('refuses the decimal and IPv4-mapped IPv6 spellings of loopback', async () => {
    const fetcher = createGuardedFetcher();
    expect((await refusal(fetcher.fetch(`http://2130706433:${site.port}/article`))).rule).toBe('address_blocked');
    expect((await refusal(fetcher.fetch(`http://[::ffff:7f00:1]:${site.port}/article`))).rule).toBe('address_blocked');
    expect(site.total()).toBe(0);
  });

  it('fetches a page in an allowed network and extracts its title and visible text', async () => {
    const fetched = await allowSite().fetch(`${site.origin}/article`);
    expect(fetched).toEqual(
      expect.objectContaining({ status: 200, contentType: 'text/html', title: 'Tide tables', truncated: false }),
    );
    expect(fetched.text).toContain('Spring tides happen near full and new moons.');
    expect(fetched.text).toContain('High water');
    expect(fetched.text).not.toContain('do-not-extract');
    expect(fetched.text).not.toContain('color:red');
    expect(fetched.text).not.toContain('enable js');
    expect(site.hits.get('/article')).toBe(1);
  });

  it('reads markdown with its first heading as title', async () => {
    const fetched = await allowSite().fetch(`${site.origin}/notes.md`);
    expect(fetched).toEqual(expect.objectContaining({ contentType: 'text/markdown', title: 'Field notes' }));
  });

  it('follows a redirect inside the allowed network and reports it', async () => {
    const fetched = await allowSite().fetch(`${site.origin}/to-article`);
    expect(fetched.finalUrl).toBe(`${site.origin}/article`);
    expect(fetched.redirects).toEqual([`${site.origin}/article`]);
  });

  it.each([
    ['/to-inner', 'another loopback address'],
    ['/to-mapped', 'the IPv4-mapped IPv6 form of another loopback address'],
    ['/to-metadata', 'the cloud metadata address'],
  ])('refuses a redirect (%s) to %s without connecting to it', async (path) => {
    const error = await refusal(allowSite().fetch(`${site.origin}${path}`));
    expect(error.rule).toBe('address_blocked');
    expect(site.hits.get(path)).toBe(1);
    expect(inner.total()).toBe(0);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    const resolve: Resolver = async (host) => (host === 'intranet.test' ? [{ address: '10.1.2.3', family: 4 }] : []);
    const error = await refusal(allowSite({ resolve }).fetch(`${site.origin}/to-private-name`));
    expect(error.rule).toBe('address_blocked');
    expect(error.message).toContain('10.1.2.3');
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const resolve: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ];
    const error = await refusal(createGuardedFetcher({ resolve }).fetch(`http://mixed.test:${inner.port}/admin`));
    expect(error.rule).toBe('address_blocked');
    expect(inner.total()).toBe(0);
  });

  it('resolves a name once and connects to the address it checked (no rebinding)', async () => {
    const answers = ['127.0.0.1', '127.0.0.2'];
    const asked: string[] = [];
    const resolve: Resolver = async (host) => {
      asked.push(host);
      return [{ address: answers.shift() ?? '127.0.0.2', family: 4 }];
    };
    const fetched = await allowSite({ resolve }).fetch(`http://rebind.test:${site.port}/article`);
    expect(fetched.title).toBe('Tide tables');
    expect(asked).toEqual(['rebind.test']);
    expect(site.hits.get('/article')).toBe(1);
    expect(inner.total()).toBe(0);
  });

  it('refuses a name that does not resolve', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    expect((await refusal(createGuardedFetcher({ resolve }).fetch('http://nowhere.test/'))).rule).toBe('dns_failed');
  });

  it.each([
    ['file:///etc/passwd', 'scheme'],
    ['ftp://example.com/x', 'scheme'],
    ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
    ['http://user:pass@example.com/', 'credentials'],
    ['not a url', 'invalid_url'],
  ])('refuses %s by rule %s', async (url, rule) => {
    expect((await refusal(createGuardedFetcher().fetch(url))).rule).toBe(rule);
  });

  it('applies the deny list before resolving the name', async () => {
    let resolved = 0;
    const resolve: Resolver = async () => (resolved++, [{ address: '127.0.0.1', family: 4 }]);
    const fetcher = allowSite({ resolve, denyHosts: ['*.corp.test'] });
    expect((await refusal(fetcher.fetch(`http://wiki.corp.test:${site.port}/article`))).rule).toBe('host_denied');
    expect(resolved).toBe(0);
    expect(site.total()).toBe(0);
  });

  it('with an allow list, refuses hosts not on it', async () => {
    const fetcher = allowSite({ allowHosts: ['docs.example.com'] });
    expect((await refusal(fetcher.fetch(`${site.origin}/article`))).rule).toBe('host_not_allowed');
    expect(site.total()).toBe(0);
  });

  it('stops following redirects at the bound', async () => {
    const error = await refusal(allowSite({ maxRedirects: 3 }).fetch(`${site.origin}/loop`));
    expect(error.rule).toBe('too_many_redirects');
    expect(site.hits.get('/loop')).toBe(4);
  });

  it('reads at most maxBytes of body and marks the page truncated', async () => {
    const fetched = await allowSite({ maxBytes: 10_000 }).fetch(`${site.origin}/big`);
    expect(fetched.bytes).toBe(10_000);
    expect(fetched.text).toHaveLength(10_000);
    expect(fetched.truncated).toBe(true);
  });

  it('decompresses gzip bodies', async () => {
    expect((await allowSite().fetch(`${site.origin}/gzip`)).text).toBe('compressed words');
  });

  it.each(['/image', '/missing-type'])('refuses to read a body of another media type (%s)', async (path) => {
    expect((await failure(allowSite().fetch(`${site.origin}${path}`))).reason).toBe('content_type');
  });

  it('reports an HTTP error status', async () => {
    const error = await failure(allowSite().fetch(`${site.origin}/error`));
    expect(error.reason).toBe('http_status');
    expect(error.data).toEqual(expect.objectContaining({ status: 500 }));
  });

  it('gives up on a server that never answers at the deadline', async () => {
    expect((await failure(allowSite({ timeoutMs: 300 }).fetch(`${site.origin}/hang`))).reason).toBe('timeout');
  });

  it('gives up on a body that never ends at the same deadline', async () => {
    expect((await failure(allowSite({ timeoutMs: 300 }).fetch(`${site.origin}/drip`))).reason).toBe('timeout');
  });

  it('refuses the unspecified address in its short spellings', async () => {
    const fetcher = createGuardedFetcher();
    expect((await refusal(fetcher.fetch(`http://0:${site.port}/article`))).rule).toBe('address_blocked');
    expect((await refusal(fetcher.fetch(`http://[::]:${site.port}/article`))).rule).toBe('address_blocked');
    expect(site.total()).toBe(0);
  });

  it('stops when the caller cancels', async () => {
    const controller = new AbortController();
    const pending = allowSite().fetch(`${site.origin}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).reason).toBe('cancelled');
  });
});
