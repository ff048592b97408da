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
  clientRootsEnabled,
  webSearchEnabled,
  ResearchConfigSchema,
  RESEARCH_SETTINGS,
  type ResearchConfig,
} from './config';
export {
  createResearchTool,
  ResearchInputSchema,
  ResearchOutputSchema,
  DEPTHS,
  type ResearchOutput,
  type ResearchToolOptions,
} from './agent/research-tool';
export { checkCitations, type Citation, type ProposedCitation, type CheckedAnswer } from './agent/citations';
export { SourceLedger, type ReadSource } from './agent/source-ledger';
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
  createAddressPolicy,
  parseNetworks,
  type AddressPolicy,
  type AddressPolicyOptions,
  type AddressVerdict,
} from './fetch/address-policy';
export { createHostPolicy, type HostPolicy, type HostPolicyOptions, type HostVerdict } from './fetch/host-policy';
export { htmlToText, type HtmlText } from './html-text';
export {
  createCorpusIndex,
  documentUri,
  parseDocumentUri,
  DOCUMENT_URI_PREFIX,
  type CorpusIndex,
  type CorpusIndexOptions,
  type Collection,
  type CorpusCaller,
  type CorpusDocument,
  type DocumentHit,
  type DocumentSummary,
  type SyncReport,
} from './corpus/corpus-index';
export { DOCUMENT_EXTENSIONS } from './corpus/corpus-files';
export { registerDocumentResources, DOCUMENTS_URI, DOCUMENT_URI_TEMPLATE } from './resources';
export {
  ResearchError,
  FetchRefusedError,
  FetchFailedError,
  type ResearchErrorCode,
  type FetchRule,
  type FetchFailure,
} from './errors';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
