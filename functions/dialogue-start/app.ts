import { Router } from 'express';
import { API_ROUTES } from '../../shared/src/api/api-routes';
import { openApiRoute } from '../../shared/src/http/openapi-route';
import { StartDialogueBodySchema, SlugSchema, createHttpApp, parseInput, type Logger, type ReadinessChecks } from '../../shared/src';
import { playerIdOf } from '../../shared/src/http/identity';
import { runStreamedRoute } from '../../shared/src/http/streamed-route';
import type { DialogueDeps } from '../../shared/src/services/dialogue-access';
import { beginDialogue, getCharacter, listCharacters } from './handler';

export function createRoutes(deps: DialogueDeps, logger: Logger): Router {
  const router = Router();
  router.get(API_ROUTES.listCharacters.path, (_req, res) => {
    res.json(listCharacters(deps));
  });
  router.get(API_ROUTES.getCharacter.path, (req, res) => {
    res.json(getCharacter(deps, parseInput(SlugSchema, req.params.id, 'character id')));
  });
  router.post(API_ROUTES.startDialogue.path, async (req, res, next) => {
    try {
      const playerId = playerIdOf(req);
      const body = parseInput(StartDialogueBodySchema, req.body ?? {});
      const traceparent = req.header('traceparent');
      await runStreamedRoute(req, res, next, {
        logger,
        status: API_ROUTES.startDialogue.status,
        run: (narrator, signal) =>
          beginDialogue(
            deps,
            { playerId, ...body, ...(traceparent ? { traceparent } : {}) },
            narrator
              ? { onAccepted: (accepted) => narrator.send('accepted', accepted), onDelta: (text) => narrator.send('delta', { text }) }
              : {},
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

export function createApp(deps: DialogueDeps, options: { logger: Logger; readiness: ReadinessChecks }) {
  return createHttpApp({ logger: options.logger, readiness: options.readiness, routes: [createRoutes(deps, options.logger), openApiRoute('dialogue-start')] });
}
