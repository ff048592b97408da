/**
 * @agent-mcp/agent-core/testing: test doubles for code built on agent-core.
 *
 * - {@link createScriptedServer}: a real OpenAI-compatible HTTP server on loopback (Responses API and Chat
 *   Completions, JSON and SSE) that answers from a script and injects faults; it records what clients sent.
 * - {@link createScriptedModel}: the same script as an in-process {@link Model}, no network.
 *
 * Scripts are lists of turns made with {@link textTurn}, {@link toolCallTurn}, {@link jsonTurn},
 * {@link errorTurn}, {@link hangTurn} and {@link cutStreamTurn}.
 *
 * {@link countUnfenced} counts planted text a model would read outside the untrusted-data fences.
 *
 * @packageDocumentation
 */
export {
  createScriptedServer,
  type ScriptedServer,
  type ScriptedServerOptions,
  type RecordedRequest,
} from './scripted-server';
export { createScriptedModel, type ScriptedModel, type ScriptedModelOptions } from './scripted-model';
export {
  textTurn,
  toolCallTurn,
  jsonTurn,
  errorTurn,
  hangTurn,
  cutStreamTurn,
  type ScriptedTurn,
  type TextTurn,
  type ToolCallsTurn,
  type JsonTurn,
  type ErrorTurn,
  type HangTurn,
  type CutStreamTurn,
  type ScriptedToolCall,
  type ScriptedUsage,
  type ScriptedTiming,
} from './script';
export { countUnfenced, fencedSpans } from './fences';
