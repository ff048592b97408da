import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type KeyRing } from './issuer-keys';

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

/** What the endpoints serve from and record into. */
export interface IssuerState {
  /** The issuer identifier, known once the server listens. */
  issuer(): string;
  readonly keys: KeyRing;
  /** Opaque tokens and their introspection answers. */
  readonly opaque: Map<string, Record<string, unknown>>;
  readonly clients: ReadonlyMap<string, LocalClient>;
  /** Credentials the introspection endpoint accepts. */
  readonly resourceServer: { readonly id: string; readonly secret: string };
  readonly fetches: { metadata: number; jwks: number; introspection: number; token: number };
  readonly grants: TokenGrant[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, state: IssuerState) => Promise<void> | void;

/** The issuer's routes: method and path (after the issuer's own path, `suffix`) to handler. */
export function issuerRoutes(suffix: string): (req: IncomingMessage) => Handler | undefined {
  const routes = new Map<string, Handler>([
    [`GET /.well-known/oauth-authorization-server${suffix}`, metadata],
    [`GET ${suffix}/.well-known/openid-configuration`, metadata],
    [`GET ${suffix}/jwks`, jwks],
    [`POST ${suffix}/introspect`, introspect],
    [`POST ${suffix}/token`, token],
  ]);
  return (req) => routes.get(`${req.method} ${(req.url ?? '/').split('?')[0]}`);
}

function metadata(_req: IncomingMessage, res: ServerResponse, state: IssuerState): void {
  state.fetches.metadata++;
  const issuer = state.issuer();
  send(res, 200, {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    introspection_endpoint: `${issuer}/introspect`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
  });
}

function jwks(_req: IncomingMessage, res: ServerResponse, state: IssuerState): void {
  state.fetches.jwks++;
  send(res, 200, state.keys.jwks());
}

async function introspect(req: IncomingMessage, res: ServerResponse, state: IssuerState): Promise<void> {
  state.fetches.introspection++;
  const { id, secret } = state.resourceServer;
  const expected = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  if (req.headers.authorization !== expected) return send(res, 401, { error: 'invalid_client' });
  const token = (await readForm(req)).get('token') ?? '';
  send(res, 200, state.opaque.get(token) ?? { active: false });
}

// RFC 6749 §4.4 client credentials, with RFC 8707 resource indicators: the resource asked for is the audience.
async function token(req: IncomingMessage, res: ServerResponse, state: IssuerState): Promise<void> {
  state.fetches.token++;
  const form = await readForm(req);
  let id = form.get('client_id') ?? '';
  let secret = form.get('client_secret') ?? '';
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [user, pass] = Buffer.from(basic[1], 'base64').toString().split(':');
    id = decodeURIComponent(user ?? '');
    secret = decodeURIComponent(pass ?? '');
  }
  const client = state.clients.get(id);
  if (!client || client.secret !== secret) return send(res, 401, { error: 'invalid_client' });
  if (form.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
  const asked = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (asked.some((s) => !client.scopes.includes(s))) return send(res, 400, { error: 'invalid_scope' });
  const scope = (asked.length > 0 ? asked : client.scopes).join(' ');
  const resource = form.get('resource') ?? undefined;
  state.grants.push({ clientId: id, resource, scope });
  const tenant = client.tenant ? { tenant_id: client.tenant } : {};
  const accessToken = state.keys.sign({ sub: id, aud: resource, scope, client_id: id, ...tenant });
  send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

/** Answers with a JSON body. */
export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
