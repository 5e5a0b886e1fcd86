import { z } from 'zod';
import { SlugSchema } from '../domain/character';
import { DialogueIdSchema, PlayerIdSchema } from '../domain/dialogue';
import { MemoryIdSchema } from '../domain/memory';
import {
  AddMemoryBodySchema,
  EndDialogueBodySchema,
  PatchMemoryBodySchema,
  SendMessageBodySchema,
  IdempotencyKeySchema,
  SetRelationshipBodySchema,
  StartDialogueBodySchema,
} from '../domain/requests';
import { AiTaskNameSchema, TaskRequestSchema } from '../domain/ai-tasks';
import {
  AnalyticsReportSchema,
  CharacterAnswerSchema,
  CharacterListAnswerSchema,
  DevEventsAnswerSchema,
  ListDialoguesAnswerSchema,
  ListDialoguesQuerySchema,
  DialogueAnswerSchema,
  EndAnswerSchema,
  ForgetAnswerSchema,
  HealthAnswerSchema,
  MemoryAnswerSchema,
  MemoryItemAnswerSchema,
  RelationshipAnswerSchema,
  MessageStreamEvents,
  ReadinessAnswerSchema,
  StartDialogueAnswerSchema,
  StartStreamEvents,
  TaskAnswerSchema,
  TurnAnswerSchema,
} from './api-schemas';

/** Who registers a route: a function, or only the standalone `npm start` process. */
export type RouteOwner =
  | 'dialogue-start'
  | 'dialogue-message'
  | 'dialogue-end'
  | 'ai-generate'
  | 'dialogue-log'
  | 'dialogue-analytics'
  | 'standalone';
export const FUNCTION_NAMES = [
  'dialogue-start',
  'dialogue-message',
  'dialogue-end',
  'ai-generate',
  'dialogue-log',
  'dialogue-analytics',
] as const;

/**
 * The credential a route takes: `player` a player's bearer JWT (AUTH_MODE=jwt; `X-Player-Id` under
 * AUTH_MODE=none), `gameService` GAME_SERVICE_TOKEN, `aiService` AI_SERVICE_TOKEN (when set),
 * `subscriber` SUBSCRIBER_TOKEN (when set), `none` open (health, readiness, metrics, this document).
 */
export type RouteAuth = 'player' | 'gameService' | 'aiService' | 'subscriber' | 'none';

export type ApiRoute = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax (`/v1/dialogues/:id`); the OpenAPI document writes `{id}`. */
  path: string;
  owners: readonly RouteOwner[] | 'every';
  /** Who may call it, with which credential (the OpenAPI document's security schemes; docs/security.md). */
  auth: RouteAuth;
  summary: string;
  tag: string;
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  /** Optional request headers the route reads (name as sent), with what they mean. */
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: z.ZodType;
  /** The success status and its JSON body (null: no body). */
  status: number;
  answer: z.ZodType | null;
  /** Server-Sent Events answered instead with `Accept: text/event-stream`. */
  stream?: Record<string, z.ZodType>;
  /** Every error status the route may answer (body: `ErrorBody`). */
  errors: readonly number[];
  /** Not for game clients: cluster-internal (the AI gateway, the broker's deliveries). */
  internal?: boolean;
  /** A subscriber's receiver: `npm start` feeds its subscribers in-process instead. */
  notInStandalone?: boolean;
  /** Called by the game server with GAME_SERVICE_TOKEN, never with a player's token. */
  gameServer?: boolean;
  /** The body is one CloudEvent 1.0 over HTTP, in structured or binary mode (instead of `body`). */
  cloudEvent?: boolean;
};

// Statuses shared by routes; 401/403/429 come from authentication and rate limits (docs/api.md).
const AUTH = [401, 403, 429] as const;
const BODY = [400, 413, 415] as const;
const AI = [502, 503, 504] as const;
/** Game-server routes: 401 without the service token (or none configured), 403 with a player's token. */
const GAME = [401, 403] as const;
const memoryPairParams = { playerId: PlayerIdSchema, characterId: SlugSchema };

/**
 * The one table of Parley's HTTP routes. The functions register their routes from it (path and
 * status), the OpenAPI document is generated from it, and a test checks that the express routers
 * register exactly these routes and answer only these statuses.
 */
export const API_ROUTES = {
  health: {
    method: 'get',
    path: '/healthz',
    owners: 'every',
    auth: 'none',
    tag: 'operations',
    summary: 'Alive',
    status: 200,
    answer: HealthAnswerSchema,
    errors: [],
  },
  readiness: {
    method: 'get',
    path: '/readyz',
    owners: 'every',
    auth: 'none',
    tag: 'operations',
    summary: "Ready: each of the function's own dependencies answers",
    status: 200,
    answer: ReadinessAnswerSchema,
    errors: [503],
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    owners: 'every',
    auth: 'none',
    tag: 'operations',
    summary: 'Prometheus metrics of this process (text exposition format)',
    status: 200,
    answer: null,
    errors: [],
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    owners: 'every',
    auth: 'none',
    tag: 'operations',
    summary: 'This document (the routes of the process that serves it)',
    status: 200,
    answer: null,
    errors: [],
  },
  listCharacters: {
    method: 'get',
    path: '/v1/characters',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'characters',
    summary: 'The catalog: characters, their goals and the strategies valid for each goal',
    status: 200,
    answer: CharacterListAnswerSchema,
    errors: [...AUTH],
  },
  getCharacter: {
    method: 'get',
    path: '/v1/characters/:id',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'characters',
    summary: 'One character',
    params: { id: SlugSchema },
    status: 200,
    answer: CharacterAnswerSchema,
    errors: [400, 404, ...AUTH],
  },
  listDialogues: {
    method: 'get',
    path: '/v1/dialogues',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'dialogues',
    summary:
      "The caller's own live dialogues (status=active), ordered by id, a page at a time (limit 1-100, default 20; after = the previous page's next)",
    query: ListDialoguesQuerySchema,
    status: 200,
    answer: ListDialoguesAnswerSchema,
    errors: [400, ...AUTH, 503],
  },
  startDialogue: {
    method: 'post',
    path: '/v1/dialogues',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'dialogues',
    summary:
      'Start a dialogue: the character greets the player (streamed with Accept: text/event-stream) and options are proposed',
    body: StartDialogueBodySchema,
    headers: {
      'Idempotency-Key': {
        schema: IdempotencyKeySchema,
        description:
          'Makes a retry safe: the same key from the same player answers the dialogue its first request started (201, or one complete stream) and opens no other; the same key with a different body is 422 IdempotencyKeyReused. Kept at least as long as the dialogue.',
      },
    },
    status: 201,
    answer: StartDialogueAnswerSchema,
    stream: StartStreamEvents,
    errors: [...BODY, 404, 422, ...AUTH, ...AI],
  },
  getDialogue: {
    method: 'get',
    path: '/v1/dialogues/:id',
    owners: ['dialogue-message'],
    auth: 'player',
    tag: 'dialogues',
    summary: 'A dialogue with its whole transcript, or its outcome once ended',
    params: { id: DialogueIdSchema },
    status: 200,
    answer: DialogueAnswerSchema,
    errors: [400, 404, ...AUTH, 503],
  },
  sendMessage: {
    method: 'post',
    path: '/v1/dialogues/:id/messages',
    owners: ['dialogue-message'],
    auth: 'player',
    tag: 'dialogues',
    summary: 'Take a turn (an option or free text); messageId is the idempotency key',
    params: { id: DialogueIdSchema },
    body: SendMessageBodySchema,
    status: 200,
    answer: TurnAnswerSchema,
    stream: MessageStreamEvents,
    errors: [...BODY, 404, 409, 422, ...AUTH, ...AI],
  },
  endDialogue: {
    method: 'post',
    path: '/v1/dialogues/:id/end',
    owners: ['dialogue-end'],
    auth: 'player',
    tag: 'dialogues',
    summary: 'End a dialogue and read its outcome (ending again answers the same outcome)',
    params: { id: DialogueIdSchema },
    body: EndDialogueBodySchema,
    status: 200,
    answer: EndAnswerSchema,
    errors: [...BODY, 404, 409, ...AUTH, ...AI],
  },
  getMyMemory: {
    method: 'get',
    path: '/v1/characters/:characterId/memory',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'memory',
    summary: 'What this character keeps of the calling player: the relationship and the memories',
    params: { characterId: SlugSchema },
    status: 200,
    answer: MemoryAnswerSchema,
    errors: [400, 404, ...AUTH, 503],
  },
  forgetMyMemory: {
    method: 'delete',
    path: '/v1/characters/:characterId/memory',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'memory',
    summary: 'Forget me: this character drops its relationship with and every memory of the calling player',
    params: { characterId: SlugSchema },
    status: 200,
    answer: ForgetAnswerSchema,
    errors: [400, 404, 409, ...AUTH, 503],
  },
  forgetMeEverywhere: {
    method: 'delete',
    path: '/v1/memory',
    owners: ['dialogue-start'],
    auth: 'player',
    tag: 'memory',
    summary: 'Forget me everywhere: every character drops what it keeps of the calling player',
    status: 200,
    answer: ForgetAnswerSchema,
    errors: [409, ...AUTH, 503],
  },
  listPlayerMemories: {
    method: 'get',
    path: '/v1/players/:playerId/characters/:characterId/memories',
    owners: ['dialogue-start'],
    auth: 'gameService',
    tag: 'memory (game server)',
    summary: "Game server: a character's relationship with and memories of a player",
    params: memoryPairParams,
    status: 200,
    answer: MemoryAnswerSchema,
    errors: [400, 404, ...GAME, 503],
    gameServer: true,
  },
  addPlayerMemory: {
    method: 'post',
    path: '/v1/players/:playerId/characters/:characterId/memories',
    owners: ['dialogue-start'],
    auth: 'gameService',
    tag: 'memory (game server)',
    summary: 'Game server: add a memory (e.g. "The player saved my brother."); pinned ones are never evicted',
    params: memoryPairParams,
    body: AddMemoryBodySchema,
    status: 201,
    answer: MemoryItemAnswerSchema,
    errors: [...BODY, 404, 409, ...GAME, 503],
    gameServer: true,
  },
  patchPlayerMemory: {
    method: 'patch',
    path: '/v1/players/:playerId/characters/:characterId/memories/:memoryId',
    owners: ['dialogue-start'],
    auth: 'gameService',
    tag: 'memory (game server)',
    summary: "Game server: change a memory's text, importance or pinned flag",
    params: { ...memoryPairParams, memoryId: MemoryIdSchema },
    body: PatchMemoryBodySchema,
    status: 200,
    answer: MemoryItemAnswerSchema,
    errors: [...BODY, 404, 409, ...GAME, 503],
    gameServer: true,
  },
  deletePlayerMemory: {
    method: 'delete',
    path: '/v1/players/:playerId/characters/:characterId/memories/:memoryId',
    owners: ['dialogue-start'],
    auth: 'gameService',
    tag: 'memory (game server)',
    summary: 'Game server: forget one memory',
    params: { ...memoryPairParams, memoryId: MemoryIdSchema },
    status: 204,
    answer: null,
    errors: [400, 404, 409, ...GAME, 503],
    gameServer: true,
  },
  setPlayerRelationship: {
    method: 'put',
    path: '/v1/players/:playerId/characters/:characterId/relationship',
    owners: ['dialogue-start'],
    auth: 'gameService',
    tag: 'memory (game server)',
    summary: "Game server: set the character's opinion of the player (e.g. after a quest)",
    params: memoryPairParams,
    body: SetRelationshipBodySchema,
    status: 200,
    answer: RelationshipAnswerSchema,
    errors: [...BODY, 404, 409, ...GAME, 503],
    gameServer: true,
  },
  analytics: {
    method: 'get',
    path: '/v1/analytics',
    owners: ['dialogue-analytics'],
    auth: 'subscriber',
    tag: 'analytics',
    summary: 'Aggregates of the events seen so far',
    status: 200,
    answer: AnalyticsReportSchema,
    // SUBSCRIBER_TOKEN only: no player token and no rate limit here, so no 403 or 429.
    errors: [401, 503],
  },
  runTask: {
    method: 'post',
    path: '/v1/tasks/:task',
    owners: ['ai-generate'],
    auth: 'aiService',
    tag: 'ai',
    summary: 'Run an AI task (cluster-internal; a service token when configured); SSE with stream: true',
    params: { task: AiTaskNameSchema },
    body: TaskRequestSchema,
    status: 200,
    answer: TaskAnswerSchema,
    stream: { delta: z.strictObject({ text: z.string() }), done: TaskAnswerSchema },
    errors: [...BODY, 401, 404, ...AI],
    internal: true,
  },
  receiveEvent: {
    method: 'post',
    path: '/',
    owners: ['dialogue-log', 'dialogue-analytics'],
    auth: 'subscriber',
    tag: 'events',
    summary: 'A CloudEvent (binary or structured mode) from the broker; answered 204 with no body',
    cloudEvent: true,
    status: 204,
    answer: null,
    errors: [...BODY, 401, 503],
    internal: true,
    notInStandalone: true,
  },
  devEvents: {
    method: 'get',
    path: '/v1/dev/events',
    owners: ['standalone'],
    auth: 'player',
    tag: 'dev',
    summary: "npm start only: the CloudEvents about the calling player's dialogues emitted after the given position",
    query: z.strictObject({ after: z.coerce.number().int().min(0).optional() }),
    status: 200,
    answer: DevEventsAnswerSchema,
    errors: [400, 401],
  },
} as const satisfies Record<string, ApiRoute>;

export type RouteName = keyof typeof API_ROUTES;

/** The routes one process registers: a function's, or the standalone process's (every function's but the receivers). */
export function routesOf(owner: RouteOwner): Array<[RouteName, ApiRoute]> {
  return (Object.entries(API_ROUTES) as Array<[RouteName, ApiRoute]>).filter(([, r]) => {
    if (r.owners === 'every') return true;
    if (owner === 'standalone') return !r.notInStandalone;
    return r.owners.includes(owner);
  });
}
