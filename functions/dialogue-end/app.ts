import { Router } from 'express';
import {
  API_ROUTES,
  openApiRoute,
  createHttpApp,
  type ReadinessChecks,
  playerCommand,
  playerGuard,
  type PlayerAccess,
  type HttpMetrics,
} from '@parley/shared/http';
import { DialogueIdSchema, EndDialogueBodySchema, parseInput, type Logger, type DialogueDeps } from '@parley/shared';
import { end } from './handler';

export function createRoutes(deps: DialogueDeps, options: { access: PlayerAccess }): Router {
  const guard = playerGuard(options.access);
  const router = Router();
  router.post(API_ROUTES.endDialogue.path, ...guard, async (req, res) => {
    const dialogueId = parseInput(DialogueIdSchema, req.params.id, 'dialogue id');
    const { outcome, replayed } = await end(deps, { dialogueId, ...playerCommand(req, EndDialogueBodySchema) });
    res.json({ outcome, replayed });
  });
  return router;
}

export function createApp(
  deps: DialogueDeps,
  options: { logger: Logger; readiness: ReadinessChecks; access: PlayerAccess; metrics?: HttpMetrics },
) {
  return createHttpApp({
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    routes: [createRoutes(deps, options), openApiRoute('dialogue-end')],
  });
}
