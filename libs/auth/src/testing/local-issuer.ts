import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type IssuerState, issuerRoutes, type LocalClient, send, type TokenGrant } from './issuer-endpoints';
import { createKeyRing, type SignOptions } from './issuer-keys';

export { type LocalClient, type TokenGrant } from './issuer-endpoints';
export { type SignOptions } from './issuer-keys';

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

/** Starts a {@link LocalIssuer} on 127.0.0.1 with one published key. */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const suffix = options.path ? `/${options.path.replace(/^\/+|\/+$/g, '')}` : '';
  const resourceServer = { id: options.clientId ?? 'rs', secret: options.clientSecret ?? 'rs-secret' };
  let issuer = '';
  const state: IssuerState = {
    issuer: () => issuer,
    // Read when a token is signed, once the port is known.
    keys: createKeyRing(() => issuer),
    opaque: new Map(),
    clients: new Map((options.clients ?? []).map((c) => [c.id, c])),
    resourceServer,
    fetches: { metadata: 0, jwks: 0, introspection: 0, token: 0 },
    grants: [],
  };
  const route = issuerRoutes(suffix);
  const server: Server = createServer((req, res) => {
    const handler = route(req);
    if (!handler) return send(res, 404, { error: 'not_found' });
    void Promise.resolve(handler(req, res, state)).catch(() => send(res, 500, { error: 'server_error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${suffix}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    introspectionEndpoint: `${issuer}/introspect`,
    clientId: resourceServer.id,
    clientSecret: resourceServer.secret,
    fetches: state.fetches,
    grants: state.grants,
    sign: state.keys.sign,
    signUnsecured: state.keys.signUnsecured,
    signHmac: state.keys.signHmac,
    addKey: state.keys.addKey,
    publish: state.keys.publish,
    issueOpaque(answer) {
      const token = randomBytes(24).toString('base64url');
      state.opaque.set(token, { active: true, ...answer });
      return token;
    },
    revoke(token) {
      state.opaque.set(token, { active: false });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
