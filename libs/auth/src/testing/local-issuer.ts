import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign as cryptoSign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** Options of {@link startLocalIssuer}. */
export interface LocalIssuerOptions {
  /** Path of the issuer identifier (`http://127.0.0.1:PORT/PATH`). Default: none. */
  readonly path?: string;
  /** Client credentials the introspection endpoint accepts. Default `rs` / `rs-secret`. */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Clients the token endpoint serves with the `client_credentials` grant (a token's `sub` is the client id). */
  readonly clients?: readonly LocalClient[];
}

/** A client of the issuer's token endpoint: its secret, the scopes it may get, and its tenant claim. */
export interface LocalClient {
  readonly id: string;
  readonly secret: string;
  readonly scopes: readonly string[];
  readonly tenant?: string;
}

/** One token the issuer handed out at its token endpoint. */
export interface TokenGrant {
  readonly clientId: string;
  /** The RFC 8707 `resource` the client asked for; it becomes the token's `aud`. */
  readonly resource: string | undefined;
  readonly scope: string;
}

/** Options of {@link LocalIssuer.sign}. */
export interface SignOptions {
  /** Key to sign with (see {@link LocalIssuer.addKey}). Default: the first published key. */
  readonly kid?: string;
  /** Extra or overriding protected header fields. */
  readonly header?: Readonly<Record<string, unknown>>;
}

/** An RFC 7662 introspection answer the issuer gives for an opaque token. */
export type IntrospectionAnswer = Readonly<Record<string, unknown>>;

/** A counting OAuth authorization server on loopback, for tests: metadata, a JWKS, token minting, introspection. */
export interface LocalIssuer {
  /** The issuer identifier (`iss`). */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly introspectionEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** How many times each endpoint was fetched. */
  readonly fetches: {
    readonly metadata: number;
    readonly jwks: number;
    readonly introspection: number;
    readonly token: number;
  };
  /** Tokens granted at the token endpoint, in order. */
  readonly grants: readonly TokenGrant[];
  /** Signs a JWT (ES256) with `iss` and a five-minute `exp` filled in unless `claims` sets them (`undefined` removes). */
  sign(claims: Readonly<Record<string, unknown>>, options?: SignOptions): string;
  /** A token with `alg: none` and no signature. */
  signUnsecured(claims: Readonly<Record<string, unknown>>): string;
  /** A token signed with HS256 under `secret`. */
  signHmac(claims: Readonly<Record<string, unknown>>, secret: string): string;
  /** Makes a new ES256 key; `publish: false` keeps it out of the JWKS (tokens signed with it have an unknown `kid`). */
  addKey(options?: { readonly publish?: boolean }): string;
  /** Publishes a key made earlier (rotation). */
  publish(kid: string): void;
  /** Mints an opaque token that introspection describes with `answer` (`active: true` unless set). */
  issueOpaque(answer: IntrospectionAnswer): string;
  /** Makes introspection report an opaque token inactive. */
  revoke(token: string): void;
  close(): Promise<void>;
}

interface Key {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
  published: boolean;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Starts a {@link LocalIssuer} on 127.0.0.1 with one published key. */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const keys = new Map<string, Key>();
  const opaque = new Map<string, Record<string, unknown>>();
  const fetches = { metadata: 0, jwks: 0, introspection: 0, token: 0 };
  const grants: TokenGrant[] = [];
  const clients = new Map((options.clients ?? []).map((c) => [c.id, c]));
  const clientId = options.clientId ?? 'rs';
  const clientSecret = options.clientSecret ?? 'rs-secret';
  const suffix = options.path ? `/${options.path.replace(/^\/+|\/+$/g, '')}` : '';
  let origin = '';

  const server: Server = createServer((req, res) => {
    void route(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (
      req.method === 'GET' &&
      (path === `/.well-known/oauth-authorization-server${suffix}` ||
        path === `${suffix}/.well-known/openid-configuration`)
    ) {
      fetches.metadata++;
      return send(res, 200, {
        issuer: `${origin}${suffix}`,
        authorization_endpoint: `${origin}${suffix}/authorize`,
        token_endpoint: `${origin}${suffix}/token`,
        jwks_uri: `${origin}${suffix}/jwks`,
        introspection_endpoint: `${origin}${suffix}/introspect`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (req.method === 'GET' && path === `${suffix}/jwks`) {
      fetches.jwks++;
      return send(res, 200, { keys: [...keys.values()].filter((k) => k.published).map((k) => k.jwk) });
    }
    if (req.method === 'POST' && path === `${suffix}/introspect`) {
      fetches.introspection++;
      const expected = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(res, 401, { error: 'invalid_client' });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('token') ?? '';
      return send(res, 200, opaque.get(token) ?? { active: false });
    }
    if (req.method === 'POST' && path === `${suffix}/token`) {
      fetches.token++;
      return token(req, res);
    }
    send(res, 404, { error: 'not_found' });
  };

  // RFC 6749 §4.4 client credentials, with RFC 8707 resource indicators: the resource asked for is the audience.
  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    let id = form.get('client_id') ?? '';
    let secret = form.get('client_secret') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [user, pass] = Buffer.from(basic[1], 'base64').toString().split(':');
      id = decodeURIComponent(user ?? '');
      secret = decodeURIComponent(pass ?? '');
    }
    const client = clients.get(id);
    if (!client || client.secret !== secret) return send(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    const asked = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (asked.some((s) => !client.scopes.includes(s))) return send(res, 400, { error: 'invalid_scope' });
    const scope = (asked.length > 0 ? asked : client.scopes).join(' ');
    const resource = form.get('resource') ?? undefined;
    grants.push({ clientId: id, resource, scope });
    const accessToken = signJwt({
      sub: id,
      aud: resource,
      scope,
      client_id: id,
      ...(client.tenant ? { tenant_id: client.tenant } : {}),
    });
    send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope });
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}${suffix}`;

  const addKey = ({ publish = true }: { publish?: boolean } = {}): string => {
    const kid = randomBytes(8).toString('hex');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
    keys.set(kid, { kid, privateKey, jwk, published: publish });
    return kid;
  };
  const firstKid = addKey();

  const payloadOf = (claims: Readonly<Record<string, unknown>>) => {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { iss: issuer, iat: now, exp: now + 300, ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return b64url(JSON.stringify(payload));
  };

  function signJwt(claims: Readonly<Record<string, unknown>>, signOptions: SignOptions = {}): string {
    const key = keys.get(signOptions.kid ?? firstKid);
    if (!key) throw new Error(`no key ${signOptions.kid}`);
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...signOptions.header }));
    const input = `${header}.${payloadOf(claims)}`;
    const signature = cryptoSign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(signature)}`;
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/introspect`,
    clientId,
    clientSecret,
    fetches,
    grants,
    sign: signJwt,
    signUnsecured(claims) {
      return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: firstKid }))}.${payloadOf(claims)}.`;
    },
    signHmac(claims, secret) {
      const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: firstKid }))}.${payloadOf(claims)}`;
      return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
    },
    addKey,
    publish(kid) {
      const key = keys.get(kid);
      if (key) key.published = true;
    },
    issueOpaque(answer) {
      const token = randomBytes(24).toString('base64url');
      opaque.set(token, { active: true, ...answer });
      return token;
    },
    revoke(token) {
      opaque.set(token, { active: false });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
