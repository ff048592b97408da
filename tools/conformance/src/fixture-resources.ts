import { type McpServer } from '@agent-mcp/mcp-core';
import { TEST_IMAGE_BASE64 } from './fixture-media';

/** URI of the resource the subscribe scenarios watch. */
export const WATCHED_RESOURCE_URI = 'test://watched-resource';

/** The resources and the template the conformance suite reads by URI. */
export function registerFixtureResources(server: McpServer): void {
  const resources = server.resources;

  resources.register({
    uri: 'test://static-text',
    name: 'static-text',
    metadata: {
      title: 'Static Text Resource',
      description: 'A static text resource for testing',
      mimeType: 'text/plain',
    },
    read: () => 'This is the content of the static text resource.',
  });

  resources.register({
    uri: 'test://static-binary',
    name: 'static-binary',
    metadata: {
      title: 'Static Binary Resource',
      description: 'A static binary resource (image) for testing',
      mimeType: 'image/png',
    },
    read: () => [{ uri: 'test://static-binary', mimeType: 'image/png', blob: TEST_IMAGE_BASE64 }],
  });

  resources.register({
    uri: WATCHED_RESOURCE_URI,
    name: 'watched-resource',
    metadata: { title: 'Watched Resource', description: 'A resource clients may subscribe to', mimeType: 'text/plain' },
    read: () => 'Watched resource content',
  });

  resources.registerTemplate({
    uriTemplate: 'test://template/{id}/data',
    name: 'template',
    metadata: {
      title: 'Resource Template',
      description: 'A resource template with parameter substitution',
      mimeType: 'application/json',
    },
    read: (uri, { id }) => [
      {
        uri,
        mimeType: 'application/json',
        text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      },
    ],
  });
}
