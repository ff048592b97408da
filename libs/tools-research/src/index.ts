/**
 * `@agent-mcp/tools-research`: a cited research agent as an MCP tool.
 *
 * - {@link createResearchTools}: the `research` tool and the `research://documents` resources, over a
 *   guarded URL fetcher, a PostgreSQL full-text index of local documents (through a `SqlClient`) and, on
 *   OpenAI's Responses API, hosted web search.
 * - Usable on their own: {@link createGuardedFetcher} (SSRF-safe page fetching: address and host rules,
 *   pinned DNS, checked redirects, size, time and content-type bounds), {@link createAddressPolicy},
 *   {@link createCorpusIndex}, {@link checkCitations}.
 *
 * @packageDocumentation
 */
export {
  createResearchTools,
  sampleCorpusDir,
  type ResearchTools,
  type ResearchToolsOptions,
} from './create-research-tools';
export {
  parseResearchConfig,
  researchToolsEnabled,
  ResearchConfigSchema,
  RESEARCH_SETTINGS,
  type ResearchConfig,
} from './config';
export { type ResearchOutput } from './agent/research-tool';
export { checkCitations, type Citation, type ProposedCitation, type CheckedAnswer } from './agent/citations';
export {
  createGuardedFetcher,
  DEFAULT_CONTENT_TYPES,
  type GuardedFetcher,
  type GuardedFetcherOptions,
  type FetchedPage,
  type Resolver,
  type ResolvedAddress,
} from './fetch/guarded-fetch';
export {
  FetchError,
  FetchRefusedError,
  FetchFailedError,
  FETCH_ERROR_CODES,
  type FetchErrorCode,
  type FetchRule,
  type FetchFailure,
} from './fetch/fetch-errors';
export {
  createAddressPolicy,
  type AddressPolicy,
  type AddressPolicyOptions,
  type AddressVerdict,
} from './fetch/address-policy';
export {
  createCorpusIndex,
  type CorpusIndex,
  type CorpusIndexOptions,
  type Collection,
  type CorpusCaller,
  type CorpusChange,
  type CorpusDocument,
  type DocumentHit,
  type DocumentSummary,
  type SyncReport,
} from './corpus/corpus-index';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
