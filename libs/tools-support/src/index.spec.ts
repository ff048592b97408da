import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API (issue 14 item 6): what another team imports from `@agent-mcp/tools-support`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'CustomerLookupOutputSchema',
      'KbSearchOutputSchema',
      'SUPPORT_ERROR_CODES',
      'SUPPORT_SETTINGS',
      'SupportActionSchema',
      'SupportConfigSchema',
      'SupportConfirmOutputSchema',
      'SupportOutputSchema',
      'TicketCreateOutputSchema',
      'TicketGetOutputSchema',
      'TicketReplyOutputSchema',
      'VERSION',
      'createSupportStore',
      'createSupportTools',
      'parseSupportConfig',
      'supportToolsEnabled',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  ArticleHit,
  Customer,
  NewTicket,
  SupportAction,
  SupportConfig,
  SupportErrorCode,
  SupportStore,
  SupportTools,
  SupportToolsOptions,
  Ticket,
  TicketMessage,
} from './index';
