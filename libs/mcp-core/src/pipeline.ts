import { ANONYMOUS_PRINCIPAL, type Principal } from '@agent-mcp/context';
import { AuthenticationError, NotFoundError, PermissionError, RateLimitError } from './errors';
import { recordFailure, startStageSpan } from './tracing';

/** Where a request came from. */
export interface TransportInfo {
  readonly kind: 'stdio' | 'http' | 'memory';
  /** The peer's address (HTTP). */
  readonly remoteAddress?: string;
  /** Request headers, lower-cased (HTTP). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/** The tool, resource or prompt a request is about. */
export type RequestTarget =
  | { readonly kind: 'tool'; readonly name: string }
  | { readonly kind: 'resource'; readonly uri: string }
  | { readonly kind: 'prompt'; readonly name: string };

/** Which tools, resources and prompts the caller may see; list and call handlers apply it. */
export interface Visibility {
  tool?: (name: string) => boolean;
  resource?: (uri: string) => boolean;
  prompt?: (name: string) => boolean;
}

/** What the pipeline stages see of one incoming message. */
export interface PipelineRequest {
  /** The JSON-RPC method, `(response)` for a client's response to a server request. */
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly sessionId: string | undefined;
  readonly transport: TransportInfo;
  readonly target: RequestTarget | undefined;
  /** Set by the authenticate stage; read by every stage after it. */
  principal: Principal | undefined;
  /** Narrowed by the access stages. */
  readonly visibility: Visibility;
}

/**
 * One stage of the request pipeline: it either calls `next()` or throws a typed error (`AuthenticationError`,
 * `RateLimitError`, `PermissionError`, `NotFoundError`), which rejects the request.
 */
export type Stage = (request: PipelineRequest, next: () => Promise<void>) => Promise<void>;

/** A composed pipeline: resolves when every stage let the request through. */
export type Pipeline = (request: PipelineRequest) => Promise<void>;

/** Composes stages into a pipeline, in order. A stage that calls `next()` twice is a bug and fails loudly. */
export function composeStages(stages: readonly Stage[]): Pipeline {
  const list = [...stages];
  return (request) => {
    let index = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= index) return Promise.reject(new Error('next() called more than once in a pipeline stage'));
      index = i;
      const stage = list[i];
      if (!stage) return Promise.resolve();
      // Traced, each stage's span covers its own work: it ends when the stage hands on or settles.
      const span = startStageSpan(stage.name || `stage_${i}`);
      if (!span) return stage(request, () => dispatch(i + 1));
      let open = true;
      const end = (error?: unknown) => {
        if (!open) return;
        open = false;
        if (error !== undefined) recordFailure(span, error);
        span.end();
      };
      return stage(request, () => {
        end();
        return dispatch(i + 1);
      }).then(
        () => end(),
        (error: unknown) => {
          end(error);
          throw error;
        },
      );
    };
    return dispatch(0);
  };
}

/** The stage a factory returns when it has nothing to check; {@link createPipeline} leaves it out. */
const PASS: Stage = (_request, next) => next();

/** Finds who is calling; returns undefined when the request carries no credentials. */
export type PrincipalResolver = (request: PipelineRequest) => Promise<Principal | undefined> | Principal | undefined;

export interface AuthenticateOptions {
  /** Default: every caller is {@link ANONYMOUS_PRINCIPAL} (local use). */
  readonly authenticator?: PrincipalResolver;
}

/** Stage 1: authenticate. With no authenticator, the caller is anonymous. */
export function authenticate(options: AuthenticateOptions = {}): Stage {
  const { authenticator } = options;
  if (!authenticator) {
    return (request, next) => {
      request.principal ??= ANONYMOUS_PRINCIPAL;
      return next();
    };
  }
  return async (request, next) => {
    const principal = await authenticator(request);
    if (!principal) throw new AuthenticationError();
    request.principal = principal;
    return next();
  };
}

/** A rate limiter's answer. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface RateLimitOptions {
  /** Default: no limit. */
  readonly limiter?: (request: PipelineRequest) => Promise<RateDecision> | RateDecision;
}

/** Stage 2: rate limit. */
export function rateLimit(options: RateLimitOptions = {}): Stage {
  const { limiter } = options;
  if (!limiter) return PASS;
  return async (request, next) => {
    const decision = await limiter(request);
    if (!decision.allowed) throw new RateLimitError(decision.retryAfterSeconds);
    return next();
  };
}

export interface PermissionOptions {
  /** Whether the principal may make this request at all; a string refusal becomes the error's message. Default: yes. */
  readonly allow?: (request: PipelineRequest) => Promise<boolean | string> | boolean | string;
}

/** Stage 3: permission to make this kind of request. */
export function checkPermission(options: PermissionOptions = {}): Stage {
  const { allow } = options;
  if (!allow) return PASS;
  return async (request, next) => {
    const verdict = await allow(request);
    if (verdict !== true) throw new PermissionError(typeof verdict === 'string' ? verdict : undefined);
    return next();
  };
}

export interface ToolAccessOptions {
  /** Whether the principal may see and call the tool. Default: every tool. */
  readonly canUse?: (principal: Principal, tool: string) => boolean;
}

/**
 * Stage 4: tool access. A tool the caller may not use is hidden from `tools/list`, and calling it fails as if
 * it did not exist, so its existence is not revealed.
 */
export function toolAccess(options: ToolAccessOptions = {}): Stage {
  const { canUse } = options;
  if (!canUse) return PASS;
  return (request, next) => {
    const principal = request.principal ?? ANONYMOUS_PRINCIPAL;
    request.visibility.tool = (name) => canUse(principal, name);
    if (request.target?.kind === 'tool' && !canUse(principal, request.target.name)) {
      return Promise.reject(new NotFoundError('tool', request.target.name));
    }
    return next();
  };
}

export interface ResourceAccessOptions {
  /** Whether the principal may see and read the resource. Default: every resource. */
  readonly canRead?: (principal: Principal, uri: string) => boolean;
  /** Whether the principal may see and use the prompt. Default: every prompt. */
  readonly canUsePrompt?: (principal: Principal, name: string) => boolean;
}

/** Stage 5: resource (and prompt) access, hiding what the caller may not read. */
export function resourceAccess(options: ResourceAccessOptions = {}): Stage {
  const { canRead, canUsePrompt } = options;
  if (!canRead && !canUsePrompt) return PASS;
  return (request, next) => {
    const principal = request.principal ?? ANONYMOUS_PRINCIPAL;
    if (canRead) request.visibility.resource = (uri) => canRead(principal, uri);
    if (canUsePrompt) request.visibility.prompt = (name) => canUsePrompt(principal, name);
    const target = request.target;
    if (canRead && target?.kind === 'resource' && !canRead(principal, target.uri)) {
      return Promise.reject(new NotFoundError('resource', target.uri));
    }
    if (canUsePrompt && target?.kind === 'prompt' && !canUsePrompt(principal, target.name)) {
      return Promise.reject(new NotFoundError('prompt', target.name));
    }
    return next();
  };
}

/** Options of {@link createPipeline}: one per stage, all optional (allow-all for local use). */
export interface PipelineOptions {
  readonly authenticate?: AuthenticateOptions;
  readonly rateLimit?: RateLimitOptions;
  readonly permission?: PermissionOptions;
  readonly toolAccess?: ToolAccessOptions;
  readonly resourceAccess?: ResourceAccessOptions;
}

/**
 * The seed's chain, in its order: authenticate -> rate limit -> permission -> tool access -> resource access.
 * Stages configured with nothing to check are left out, so local use pays for none of them.
 */
export function createPipeline(options: PipelineOptions = {}): Pipeline {
  return composeStages(
    [
      named('authenticate', authenticate(options.authenticate)),
      named('rate_limit', rateLimit(options.rateLimit)),
      named('permission', checkPermission(options.permission)),
      named('tool_access', toolAccess(options.toolAccess)),
      named('resource_access', resourceAccess(options.resourceAccess)),
    ].filter((stage) => stage !== PASS),
  );
}

/** Names a stage for its trace span; PASS stays shared (and unnamed) so it can be left out. */
function named(name: string, stage: Stage): Stage {
  if (stage !== PASS && !stage.name) Object.defineProperty(stage, 'name', { value: name });
  return stage;
}
