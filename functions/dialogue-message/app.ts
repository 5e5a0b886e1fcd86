import { type HttpMetrics, API_ROUTES, openApiRoute, createHttpApp, type ReadinessChecks, playerIdOf, playerGuard, type PlayerAccess, narrationHooks, runStreamedRoute } from '@parley/shared/http';
import { Router } from 'express';
import { DialogueIdSchema, SendMessageBodySchema, parseInput, type Logger, type DialogueDeps, type TurnResult } from '@parley/shared';
import { getDialogue, takeTurn } from './handler';

export function createRoutes(deps: DialogueDeps, options: { logger: Logger; access: PlayerAccess }): Router {
  const { logger } = options;
  const guard = playerGuard(options.access);
  const router = Router();
  router.get(API_ROUTES.getDialogue.path, ...guard, async (req, res) => {
    const dialogueId = parseInput(DialogueIdSchema, req.params.id, 'dialogue id');
    res.json(await getDialogue(deps, dialogueId, playerIdOf(req)));
  });
  router.post(API_ROUTES.sendMessage.path, ...guard, async (req, res, next) => {
    try {
      const dialogueId = parseInput(DialogueIdSchema, req.params.id, 'dialogue id');
      const playerId = playerIdOf(req);
      const body = parseInput(SendMessageBodySchema, req.body ?? {});
      const traceparent = req.header('traceparent');
      await runStreamedRoute(req, res, next, {
        logger,
        status: API_ROUTES.sendMessage.status,
        run: (narrator, signal) =>
          takeTurn(
            deps,
            { dialogueId, playerId, ...body, traceparent },
            narrationHooks(narrator),
            signal,
          ),
        json: ({ result, replayed }) => ({ ...result, replayed }),
        finalEvents: ({ result, replayed }) => [
          ...(replayed ? ([['accepted', result.playerTurn]] as Array<[string, unknown]>) : []),
          ['reply', result.reply],
          ['changes', result.changes],
          ...goalEvents(result),
          ['options', result.options],
          ['done', { dialogue: result.dialogue, replayed }],
        ],
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** `goal` when the turn reached or lost the goal, `ended` when the character ended the dialogue. */
function goalEvents(result: TurnResult): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [];
  const { changes, playerTurn, dialogue } = result;
  if (changes.goalAchieved || changes.goalLost) {
    events.push(['goal', { goalId: dialogue.goalId, status: changes.goalAchieved ? 'achieved' : 'lost', seq: playerTurn.seq }]);
  }
  if (result.outcome) events.push(['ended', { endedBy: 'character', outcome: result.outcome }]);
  return events;
}

export function createApp(deps: DialogueDeps, options: { logger: Logger; readiness: ReadinessChecks; access: PlayerAccess; metrics?: HttpMetrics }) {
  return createHttpApp({ logger: options.logger, readiness: options.readiness, metrics: options.metrics, routes: [createRoutes(deps, options), openApiRoute('dialogue-message')] });
}
