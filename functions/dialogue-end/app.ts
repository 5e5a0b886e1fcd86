import type { HttpMetrics } from '../../shared/src/http/request-context';
import { Router } from 'express';
import { API_ROUTES } from '../../shared/src/api/api-routes';
import { openApiRoute } from '../../shared/src/http/openapi-route';
import { DialogueIdSchema, EndDialogueBodySchema, createHttpApp, parseInput, type Logger, type ReadinessChecks } from '../../shared/src';
import { playerIdOf } from '../../shared/src/http/identity';
import { playerGuard, type PlayerAccess } from '../../shared/src/http/player-guard';
import type { DialogueDeps } from '../../shared/src/services/dialogue-access';
import { finishDialogue } from './handler';

export function createRoutes(deps: DialogueDeps, options: { access: PlayerAccess }): Router {
  const guard = playerGuard(options.access);
  const router = Router();
  router.post(API_ROUTES.endDialogue.path, ...guard, async (req, res) => {
    const dialogueId = parseInput(DialogueIdSchema, req.params.id, 'dialogue id');
    const playerId = playerIdOf(req);
    const body = parseInput(EndDialogueBodySchema, req.body ?? {});
    const traceparent = req.header('traceparent');
    const { outcome, replayed } = await finishDialogue(deps, { dialogueId, playerId, ...body, ...(traceparent ? { traceparent } : {}) });
    res.json({ outcome, replayed });
  });
  return router;
}

export function createApp(deps: DialogueDeps, options: { logger: Logger; readiness: ReadinessChecks; access: PlayerAccess; metrics?: HttpMetrics }) {
  return createHttpApp({ logger: options.logger, readiness: options.readiness, metrics: options.metrics, routes: [createRoutes(deps, options), openApiRoute('dialogue-end')] });
}
