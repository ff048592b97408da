import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API (issue 14 item 6): what another team imports from `@agent-mcp/tools-research`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'DEFAULT_CONTENT_TYPES',
      'FETCH_ERROR_CODES',
      'FetchError',
      'FetchFailedError',
      'FetchRefusedError',
      'RESEARCH_SETTINGS',
      'ResearchConfigSchema',
      'VERSION',
      'checkCitations',
      'createAddressPolicy',
      'createCorpusIndex',
      'createGuardedFetcher',
      'createResearchTools',
      'parseResearchConfig',
      'researchToolsEnabled',
      'sampleCorpusDir',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AddressPolicy,
  AddressPolicyOptions,
  AddressVerdict,
  CheckedAnswer,
  Citation,
  Collection,
  CorpusCaller,
  CorpusChange,
  CorpusDocument,
  CorpusIndex,
  CorpusIndexOptions,
  DocumentHit,
  DocumentSummary,
  FetchErrorCode,
  FetchFailure,
  FetchRule,
  FetchedPage,
  GuardedFetcher,
  GuardedFetcherOptions,
  ProposedCitation,
  ResearchConfig,
  ResearchOutput,
  ResearchTools,
  ResearchToolsOptions,
  ResolvedAddress,
  Resolver,
  SyncReport,
} from './index';
