import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type ClientCapabilities, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** An app started for one client, reached through the client side of its transport. */
export interface AppEndpoint {
  readonly transport: Transport;
  /** Runs before the client closes (HTTP ends its session with a DELETE). */
  beforeClientClose?(): Promise<void>;
  /** Ends the app once the client has closed (stdio: closing the client already ended the child). */
  stop(): Promise<void>;
}

/**
 * How a suite reaches one app over one transport. The suite owns the scenario and its assertions; the driver owns
 * only starting the app with an environment and handing back the client side of the transport.
 */
export interface TransportDriver {
  /** How test names call the transport, e.g. `Streamable HTTP`, `real stdio`. */
  readonly name: string;
  /** The `clientInfo.name` the client announces. */
  readonly clientName: string;
  /** Starts the app with `env` laid over the suite's environment. */
  start(env: Record<string, string>): Promise<AppEndpoint>;
}

/** A real SDK client connected to an app, with the traffic it saw. */
export interface AppConnection {
  readonly client: Client;
  /** Every message the server sent, in order. */
  readonly received: JSONRPCMessage[];
  /** Ids of the tools/call requests the client sent, in order. */
  readonly callIds: (string | number)[];
  close(): Promise<void>;
}

/** Starts the app through `driver` and connects an SDK client that records what crosses the transport. */
export async function connectThrough(
  driver: TransportDriver,
  env: Record<string, string>,
  capabilities: ClientCapabilities = {},
): Promise<AppConnection> {
  const app = await driver.start(env);
  const { transport } = app;
  const client = new Client({ name: driver.clientName, version: '1.0.0' }, { capabilities });
  try {
    await client.connect(transport);
  } catch (error) {
    await app.stop();
    throw error;
  }
  const received: JSONRPCMessage[] = [];
  const callIds: (string | number)[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    received.push(message);
    onmessage?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) callIds.push(message.id);
    return send(message, options);
  };
  return {
    client,
    received,
    callIds,
    close: async () => {
      await app.beforeClientClose?.();
      await client.close();
      await app.stop();
    },
  };
}

/** Whether the server answered request `id` (a response, not a request of its own with the same id). */
export const responded = (c: AppConnection, id: string | number) =>
  c.received.some((m) => 'id' in m && m.id === id && !('method' in m));
