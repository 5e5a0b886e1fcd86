import { Router, type Request } from 'express';
import {
  API_ROUTES,
  openApiRoute,
  createHttpApp,
  type ReadinessChecks,
  playerCommand,
  playerIdOf,
  playerGuard,
  type PlayerAccess,
  streamedRoute,
  type HttpMetrics,
} from '@parley/shared/http';
import {
  DialogueIdSchema,
  SendMessageBodySchema,
  parseInput,
  type Logger,
  type DialogueDeps,
  type TurnResult,
} from '@parley/shared';
import { getDialogue, publishTurn, takeTurn } from './handler';

/** The dialogue id in the path; 400 when malformed. */
const dialogueIdOf = (req: Request) => parseInput(DialogueIdSchema, req.params.id, 'dialogue id');

export function createRoutes(deps: DialogueDeps, options: { logger: Logger; access: PlayerAccess }): Router {
  const { logger } = options;
  const guard = playerGuard(options.access);
  const router = Router();
  router.get(API_ROUTES.getDialogue.path, ...guard, async (req, res) => {
    res.json(await getDialogue(deps, dialogueIdOf(req), playerIdOf(req)));
  });
  router.post(
    API_ROUTES.sendMessage.path,
    ...guard,
    streamedRoute({
      logger,
      status: API_ROUTES.sendMessage.status,
      run: (req, hooks, signal) =>
        takeTurn(deps, { dialogueId: dialogueIdOf(req), ...playerCommand(req, SendMessageBodySchema) }, hooks, signal),
      json: ({ result, replayed }) => ({ ...result, replayed }),
      // The events are durable in the outbox with the turn: the broker's confirm is not the player's wait.
      after: (answer) => publishTurn(deps, answer),
      finalEvents: ({ result, replayed }) => [
        ...(replayed ? ([['accepted', result.playerTurn]] as Array<[string, unknown]>) : []),
        ['reply', result.reply],
        ['changes', result.changes],
        ...goalEvents(result),
        ['options', result.options],
        ['done', { dialogue: result.dialogue, replayed }],
      ],
    }),
  );
  return router;
}

/** `goal` when the turn reached or lost the goal, `ended` when the character ended the dialogue. */
function goalEvents(result: TurnResult): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [];
  const { changes, playerTurn, dialogue } = result;
  if (changes.goalAchieved || changes.goalLost) {
    events.push([
      'goal',
      { goalId: dialogue.goalId, status: changes.goalAchieved ? 'achieved' : 'lost', seq: playerTurn.seq },
    ]);
  }
  if (result.outcome) events.push(['ended', { endedBy: 'character', outcome: result.outcome }]);
  return events;
}

export function createApp(
  deps: DialogueDeps,
  options: { logger: Logger; readiness: ReadinessChecks; access: PlayerAccess; metrics?: HttpMetrics },
) {
  return createHttpApp({
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    routes: [createRoutes(deps, options), openApiRoute('dialogue-message')],
  });
}
