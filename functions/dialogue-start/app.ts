import { type HttpMetrics, API_ROUTES, ListDialoguesQuerySchema, openApiRoute, createHttpApp, type ReadinessChecks, playerIdOf, playerGuard, type PlayerAccess, narrationHooks, runStreamedRoute } from '@parley/shared/http';
import { Router } from 'express';
import { StartDialogueBodySchema, SlugSchema, parseInput, type Logger, type DialogueDeps } from '@parley/shared';
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
  router.post(API_ROUTES.startDialogue.path, ...guard, async (req, res, next) => {
    try {
      const playerId = playerIdOf(req);
      const body = parseInput(StartDialogueBodySchema, req.body ?? {});
      const traceparent = req.header('traceparent');
      await runStreamedRoute(req, res, next, {
        logger,
        status: API_ROUTES.startDialogue.status,
        run: (narrator, signal) =>
          start(
            deps,
            { playerId, ...body, traceparent },
            narrationHooks(narrator),
            signal,
          ),
        json: (started) => started,
        finalEvents: (started) => [
          ['reply', started.greeting],
          ['options', started.options],
          ['done', { dialogue: started.dialogue }],
        ],
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

export function createApp(
  deps: DialogueDeps,
  options: { logger: Logger; readiness: ReadinessChecks; access: PlayerAccess; metrics?: HttpMetrics; gameServiceToken?: string | undefined },
) {
  return createHttpApp({
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    routes: [createRoutes(deps, options), memoryRoutes(deps, { access: options.access, gameServiceToken: options.gameServiceToken }), openApiRoute('dialogue-start')],
  });
}
