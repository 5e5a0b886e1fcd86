import { z } from 'zod';
import { MoodSchema, PublicCharacterSchema } from '../domain/character';
import {
  ChangesSchema,
  DialogueStateSchema,
  OptionSchema,
  OutcomeSchema,
  ParticipantSchema,
  TurnSchema,
} from '../domain/dialogue';
import { ParleyEventSchema } from '../domain/events';
import { AiCallMetaSchema } from '../domain/ai-tasks';
import { routesOf, type ApiRoute, type RouteAuth, type RouteOwner } from './api-routes';
import { DeltaEventSchema, ErrorBodySchema } from './api-schemas';

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
};
export type OpenApiOperation = {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema: JsonSchema }>; headers?: Record<string, unknown> }
  >;
  security?: Array<Record<string, string[]>>;
  'x-internal'?: boolean;
  'x-sse-events'?: Record<string, JsonSchema>;
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'Malformed request: invalid JSON, unknown or invalid fields (details.issues says which)',
  401: 'Missing or invalid credentials',
  403: 'Not allowed: another player\u2019s dialogue, or a token without the right',
  404: 'No such dialogue, character or task',
  409: 'The dialogue has ended, or another turn is in flight',
  413: 'Request body too large',
  415: 'Unsupported body encoding or charset',
  422: 'Invalid goal, strategy or option (details list the valid ids), or an idempotency key reused for another request',
  429: 'Rate limited: retry after Retry-After seconds',
  502: 'The AI answered badly',
  503: 'The AI or the store is unavailable (retry after Retry-After seconds)',
  504: 'The AI did not answer in time',
};
const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Each credential as OpenAPI security requirements. A service token is required only when it is
 * configured (an empty requirement lists that it may be absent); a player's token is required in the
 * deployed shape (AUTH_MODE=jwt; under AUTH_MODE=none, `npm start`, `X-Player-Id` names the player).
 */
const SECURITY: Record<RouteAuth, Array<Record<string, string[]>>> = {
  player: [{ bearer: [] }],
  gameService: [{ gameService: [] }],
  aiService: [{ aiService: [] }, {}],
  subscriber: [{ subscriberService: [] }, {}],
  none: [],
};

const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A player\u2019s JWT from the game\u2019s identity service; `sub` is the player id (AUTH_MODE=jwt, the functions\u2019 default). Under AUTH_MODE=none (`npm start`) no token is read and `X-Player-Id` names the player.',
  },
  gameService: {
    type: 'http',
    scheme: 'bearer',
    description: 'The game server\u2019s GAME_SERVICE_TOKEN (never a player token; a player token is 403).',
  },
  aiService: {
    type: 'http',
    scheme: 'bearer',
    description:
      'AI_SERVICE_TOKEN, sent by the dialogue functions to ai-generate; required when configured (not a player JWT).',
  },
  subscriberService: {
    type: 'http',
    scheme: 'bearer',
    description:
      'SUBSCRIBER_TOKEN, the service token of dialogue-log and dialogue-analytics (`POST /` deliveries, `GET /v1/analytics`); required when configured. Not a player JWT: a player token is 401.',
  },
};

/** Binary-mode CloudEvent attributes travel as `ce-*` headers (structured mode carries them in the body). */
const CLOUDEVENT_HEADERS = (['specversion', 'id', 'source', 'type', 'time', 'subject', 'traceparent'] as const).map(
  (attribute) => ({
    name: attribute === 'traceparent' ? 'traceparent' : `ce-${attribute}`,
    in: 'header',
    required: false,
    description:
      attribute === 'traceparent'
        ? 'W3C trace context of the event (ignored when malformed)'
        : `binary mode: the event\u2019s \`${attribute}\`${['specversion', 'id', 'source', 'type'].includes(attribute) ? ' (required in binary mode)' : ''}`,
    schema: { type: 'string' },
  }),
);

/** `POST /` bodies: a structured-mode event, or a binary-mode event's data with its attributes in `ce-*` headers. */
function cloudEventBody(refTo: (schema: z.ZodType, fallbackId: string) => JsonSchema) {
  return {
    required: true,
    description:
      'One CloudEvent 1.0 (HTTP protocol binding). Structured mode: `Content-Type: application/cloudevents+json` and the whole event as the body. Binary mode: the event\u2019s `data` as the body (`Content-Type` its `datacontenttype`, JSON when absent) and its attributes in `ce-*` headers. Batches (`application/cloudevents-batch+json`) are refused with 415.',
    content: {
      'application/cloudevents+json': { schema: refTo(ParleyEventSchema, 'CloudEvent') },
      'application/json': {
        schema: {
          description: 'binary mode: the event\u2019s `data` (its shape per `ce-type`, as in the CloudEvent schema)',
        },
      },
    },
  };
}

/**
 * Where the API is served: the origin this document came from (a relative URL), and `npm start` or the
 * compose gateway on one machine (`PARLEY_PORT`, 8080 by default).
 */
function serversOf(owner: RouteOwner): OpenApiDocument['servers'] {
  return [
    {
      url: '/',
      description:
        owner === 'standalone'
          ? 'the origin that served this document'
          : 'the origin that served this document: the gateway, or this function\u2019s own URL',
    },
    {
      url: 'http://localhost:8080',
      description: owner === 'standalone' ? '`npm start` on its default port' : 'the compose gateway on one machine',
    },
  ];
}

/** Express `/v1/dialogues/:id` -> OpenAPI `/v1/dialogues/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of one process (a function, or `standalone` for `npm start`), generated
 * from the route table and the zod schemas (zod's JSON Schema output is 2020-12, which 3.1 uses).
 * SSE answers are described as `text/event-stream` with one schema per event name.
 */
export function buildOpenApiDocument(owner: RouteOwner, version = '0.1.0'): OpenApiDocument {
  const registry = z.registry<{ id: string }>();
  const named: Array<[z.ZodType, string]> = [
    [MoodSchema, 'Mood'],
    [ParticipantSchema, 'Participant'],
    [TurnSchema, 'Turn'],
    [OptionSchema, 'Option'],
    [DialogueStateSchema, 'DialogueState'],
    [ChangesSchema, 'Changes'],
    [OutcomeSchema, 'Outcome'],
    [PublicCharacterSchema, 'PublicCharacter'],
    [ErrorBodySchema, 'ErrorBody'],
    [ParleyEventSchema, 'CloudEvent'],
    [AiCallMetaSchema, 'AiCallMeta'],
    [DeltaEventSchema, 'DeltaEvent'],
  ];
  for (const [schema, id] of named) registry.add(schema, { id });
  const refTo = (schema: z.ZodType, fallbackId: string): JsonSchema => {
    if (!registry.has(schema)) registry.add(schema, { id: fallbackId });
    return { $ref: `#/components/schemas/${registry.get(schema)!.id}` };
  };
  const inline = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    return rest;
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const [name, route] of routesOf(owner)) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method] = operationOf(name, route, refTo, inline);
  }

  const converted = z.toJSONSchema(registry, {
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  const schemas = Object.fromEntries(
    Object.entries(converted.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: owner === 'standalone' ? 'Parley (npm start: every function in one process)' : `Parley ${owner}`,
      version,
      description:
        'Dialogue backend for games. Errors are `{ "error": { "code", "message", "details"? } }`. The start and message routes stream Server-Sent Events with `Accept: text/event-stream` (see each operation\u2019s `x-sse-events`).',
    },
    servers: serversOf(owner),
    paths,
    components: {
      schemas,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

function operationOf(
  name: string,
  route: ApiRoute,
  refTo: (schema: z.ZodType, fallbackId: string) => JsonSchema,
  inline: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema,
): OpenApiOperation {
  const Name = name[0]!.toUpperCase() + name.slice(1);
  const parameters: unknown[] = [
    ...Object.entries(route.params ?? {}).map(([param, schema]) => ({
      name: param,
      in: 'path',
      required: true,
      schema: inline(schema, 'input'),
    })),
    ...Object.entries(route.query?.shape ?? {}).map(([param, schema]) => ({
      name: param,
      in: 'query',
      required: false,
      schema: inline(schema as z.ZodType, 'input'),
    })),
  ];
  for (const [header, { schema, description }] of Object.entries(route.headers ?? {})) {
    parameters.push({ name: header, in: 'header', required: false, description, schema: inline(schema, 'input') });
  }
  const playerFacing = route.auth === 'player';
  if (playerFacing) {
    parameters.push({
      name: 'X-Player-Id',
      in: 'header',
      required: false,
      description: 'AUTH_MODE=none only (npm start): names the player; without it every caller is `anonymous`.',
      schema: { type: 'string' },
    });
  }
  if (route.cloudEvent) parameters.push(...CLOUDEVENT_HEADERS);
  if (route.stream)
    parameters.push({
      name: 'Accept',
      in: 'header',
      required: false,
      description: '`text/event-stream` for a stream of Server-Sent Events',
      schema: { type: 'string' },
    });

  const success: OpenApiOperation['responses'][string] = { description: STATUS_TEXT[route.status] ?? 'OK' };
  const content: Record<string, { schema: JsonSchema }> = {};
  if (route.answer) content['application/json'] = { schema: refTo(route.answer, `${Name}Answer`) };
  let sseEvents: Record<string, JsonSchema> | undefined;
  if (route.stream) {
    sseEvents = Object.fromEntries(
      Object.entries(route.stream).map(([event, schema]) => [
        event,
        event === 'error'
          ? refTo(schema, 'ErrorBody')
          : refTo(schema, `${Name}${event[0]!.toUpperCase()}${event.slice(1)}Event`),
      ]),
    );
    content['text/event-stream'] = {
      schema: {
        description: `Server-Sent Events, in order: ${Object.keys(route.stream).join(', ')} (each frame: \`event: <name>\` and \`data: <JSON>\`)`,
        oneOf: Object.entries(sseEvents).map(([event, data]) => ({
          type: 'object',
          properties: { event: { const: event }, data },
          required: ['event', 'data'],
        })),
      },
    };
  }
  if (Object.keys(content).length) success.content = content;
  const responses: OpenApiOperation['responses'] = { [String(route.status)]: success };
  for (const status of route.errors) {
    responses[String(status)] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: { 'application/json': { schema: refTo(ErrorBodySchema, 'ErrorBody') } },
      ...(RETRY_AFTER_STATUSES.has(status)
        ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } }
        : {}),
    };
  }
  return {
    operationId: name,
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.method !== 'get' && name !== 'endDialogue',
            content: { 'application/json': { schema: inline(route.body, 'input') } },
          },
        }
      : {}),
    ...(route.cloudEvent ? { requestBody: cloudEventBody(refTo) } : {}),
    responses,
    security: SECURITY[route.auth],
    ...(route.internal ? { 'x-internal': true } : {}),
    ...(sseEvents ? { 'x-sse-events': sseEvents } : {}),
  };
}
