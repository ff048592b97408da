/**
 * Behaviour suites written once and run against each app over its own transport: each app's spec file calls a
 * suite with a {@link TransportDriver} that starts that app. {@link samplingDesktop} is the 2026-07-28 desktop client
 * whose own model answers sampling rounds from a script, for both apps' specs of the no-key agent run.
 */
export { describeAgentRuns } from './agent-runs-suite';
export {
  type AppUnderTest,
  describeRealClients,
  type RealClientsDriver,
  type RequestLogLine,
} from './real-clients-suite';
export { type AppTarget, stderrToFile } from './mcp-clients';
export {
  type AppConnection,
  type AppEndpoint,
  connectThrough,
  responded,
  type TransportDriver,
} from './transport-driver';
export {
  answerTurn,
  type DesktopCallResult,
  expectApprovedSupportRun,
  type SampledTurn,
  samplingDesktop,
  type SamplingDesktop,
  toolUseTurn,
} from './sampling-desktop';
