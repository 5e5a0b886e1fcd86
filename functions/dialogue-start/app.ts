import { Router } from 'express';
import {
  API_ROUTES,
  ListDialoguesQuerySchema,
  openApiRoute,
  createHttpApp,
  type ReadinessChecks,
  playerCommand,
  playerGuard,
  playerIdOf,
  type PlayerAccess,
  streamedRoute,
  type HttpMetrics,
} from '@parley/shared/http';
import {
  IdempotencyKeySchema,
  StartDialogueBodySchema,
  SlugSchema,
  parseInput,
  type Logger,
  type DialogueDeps,
} from '@parley/shared';
import { getCharacter, listCharacters, listDialogues, start } from './handler';
import { memoryRoutes } from './memory-routes';

export function createRoutes(deps: DialogueDeps, options: { logger: Logger; access: PlayerAccess }): Router {
  const { logger } = options;
  const guard = playerGuard(options.access);
  const router = Router();
  router.get(API_ROUTES.listCharacters.path, ...guard, (_req, res) => {
    res.json(listCharacters(deps));
  });
  router.get(API_ROUTES.getCharacter.path, ...guard, (req, res) => {
    res.json(getCharacter(deps, parseInput(SlugSchema, req.params.id, 'character id')));
  });
  router.get(API_ROUTES.listDialogues.path, ...guard, async (req, res) => {
    const { limit, after } = parseInput(ListDialoguesQuerySchema, { ...(req.query as object) }, 'query');
    res.json(await listDialogues(deps, playerIdOf(req), { limit, ...(after ? { after } : {}) }));
  });
  router.post(
    API_ROUTES.startDialogue.path,
    ...guard,
    streamedRoute({
      logger,
      status: API_ROUTES.startDialogue.status,
      run: (req, hooks, signal) => {
        const key = req.header('idempotency-key');
        const idempotencyKey = key === undefined ? undefined : parseInput(IdempotencyKeySchema, key, 'Idempotency-Key');
        return start(deps, { ...playerCommand(req, StartDialogueBodySchema), idempotencyKey }, hooks, signal);
      },
      json: (started) => started,
      finalEvents: (started) => [
        ['reply', started.greeting],
        ['options', started.options],
        ['done', { dialogue: started.dialogue }],
      ],
    }),
  );
  return router;
}

export function createApp(
  deps: DialogueDeps,
  options: {
    logger: Logger;
    readiness: ReadinessChecks;
    access: PlayerAccess;
    metrics?: HttpMetrics;
    gameServiceToken?: string | undefined;
  },
) {
  return createHttpApp({
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    routes: [
      createRoutes(deps, options),
      memoryRoutes(deps, { access: options.access, gameServiceToken: options.gameServiceToken }),
      openApiRoute('dialogue-start'),
    ],
  });
}
