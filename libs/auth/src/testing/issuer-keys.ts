import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign as cryptoSign } from 'node:crypto';

/** Options of {@link KeyRing.sign}. */
export interface SignOptions {
  /** Key to sign with (see `LocalIssuer.addKey`). Default: the first published key. */
  readonly kid?: string;
  /** Extra or overriding protected header fields. */
  readonly header?: Readonly<Record<string, unknown>>;
}

type Claims = Readonly<Record<string, unknown>>;

/** The issuer's signing keys and the tokens they make; built on `node:crypto` alone. */
export interface KeyRing {
  /** The public keys published in the JWKS. */
  jwks(): { keys: Record<string, unknown>[] };
  /** Makes a new ES256 key; `publish: false` keeps it out of the JWKS. */
  addKey(options?: { readonly publish?: boolean }): string;
  publish(kid: string): void;
  /** An ES256 JWT with `iss`, `iat` and a five-minute `exp` filled in unless `claims` sets them. */
  sign(claims: Claims, options?: SignOptions): string;
  /** A token with `alg: none` and no signature. */
  signUnsecured(claims: Claims): string;
  /** A token signed with HS256 under `secret`. */
  signHmac(claims: Claims, secret: string): string;
}

interface Key {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
  published: boolean;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A key ring with one published key; `issuer()` is read each time a token is signed. */
export function createKeyRing(issuer: () => string): KeyRing {
  const keys = new Map<string, Key>();
  const addKey = ({ publish = true }: { publish?: boolean } = {}): string => {
    const kid = randomBytes(8).toString('hex');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
    keys.set(kid, { kid, privateKey, jwk, published: publish });
    return kid;
  };
  const firstKid = addKey();

  const payloadOf = (claims: Claims) => {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { iss: issuer(), iat: now, exp: now + 300, ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return b64url(JSON.stringify(payload));
  };

  return {
    jwks: () => ({ keys: [...keys.values()].filter((k) => k.published).map((k) => k.jwk) }),
    addKey,
    publish(kid) {
      const key = keys.get(kid);
      if (key) key.published = true;
    },
    sign(claims, options = {}) {
      const key = keys.get(options.kid ?? firstKid);
      if (!key) throw new Error(`no key ${options.kid}`);
      const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...options.header }));
      const input = `${header}.${payloadOf(claims)}`;
      const signature = cryptoSign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${b64url(signature)}`;
    },
    signUnsecured: (claims) =>
      `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: firstKid }))}.${payloadOf(claims)}.`,
    signHmac(claims, secret) {
      const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: firstKid }))}.${payloadOf(claims)}`;
      return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
    },
  };
}
