/**
 * `@parley/shared/http`: the HTTP kit every function's app is built from (the app frame, serving,
 * authentication and rate-limit guards, SSE, streamed routes, the CloudEvent route) and the API
 * description (the route table, the answer schemas, the OpenAPI document) that the typed client
 * and the tests read too.
 */

// ---- http kit ----
export {
  authenticate,
  type Authenticator,
  authenticatorFromConfig,
  headerAuthenticator,
  jwtAuthenticator,
  requireGameServiceToken,
  requireServiceToken,
  serviceGuard,
} from './http/auth';
export { cloudEventRoute } from './http/cloudevent-route';
export { createHttpApp, DEFAULT_BODY_LIMIT, type ReadinessChecks } from './http/create-app';
export { errorMiddleware, notFoundRoute, toParleyError } from './http/error-middleware';
export { playerCommand, playerIdOf, requestTrace } from './http/identity';
export { openApiRoute } from './http/openapi-route';
export { type PlayerAccess, playerGuard } from './http/player-guard';
export { addressOf, playerOf, rateLimit } from './http/rate-limit';
export { type HttpMetrics, requestContext } from './http/request-context';
export { serve } from './http/serve';
export { abortOnClientGone, openSse, type SseWriter, wantsEventStream } from './http/sse';
export { DeltaFramer, type DeltaFramerOptions } from './http/delta-framer';
export { readSseFrames, SSE_MAX_FRAME_CHARS, type SseFrame } from './http/sse-reader';
export { type LiveHooks, type StreamedRoute, streamedRoute } from './http/streamed-route';

// ---- the API: routes, answer schemas, OpenAPI ----
export { API_ROUTES, type ApiRoute, FUNCTION_NAMES, type RouteName, type RouteOwner, routesOf } from './api/api-routes';
export {
  ActiveDialogueViewSchema,
  AnalyticsReportSchema,
  type CharacterAnswer,
  CharacterAnswerSchema,
  type CharacterListAnswer,
  CharacterListAnswerSchema,
  DeltaEventSchema,
  type DevEventsAnswer,
  DevEventsAnswerSchema,
  DevEventsQuerySchema,
  type ListDialoguesAnswer,
  ListDialoguesAnswerSchema,
  type ListDialoguesQuery,
  ListDialoguesQuerySchema,
  type DialogueAnswer,
  DialogueAnswerSchema,
  type EndAnswer,
  EndAnswerSchema,
  EndedDialogueViewSchema,
  ErrorBodySchema,
  type ErrorBodyShape,
  type ForgetAnswer,
  ForgetAnswerSchema,
  HealthAnswerSchema,
  type MemoryAnswer,
  MemoryAnswerSchema,
  type MemoryItemAnswer,
  MemoryItemAnswerSchema,
  type RelationshipAnswer,
  RelationshipAnswerSchema,
  type MessageStreamEvent,
  MessageStreamEvents,
  ReadinessAnswerSchema,
  StartAcceptedEventSchema,
  type StartDialogueAnswer,
  StartDialogueAnswerSchema,
  type StartStreamEvent,
  StartStreamEvents,
  TaskAnswerSchema,
  type TurnAnswer,
  TurnAnswerSchema,
} from './api/api-schemas';
export { buildOpenApiDocument, type OpenApiDocument, type OpenApiOperation, openApiPath } from './api/openapi-document';
