import { AiFailed } from '../domain/errors';
import { planTurn, type DialogueTurnEvent, type DialogueTurnInput } from '../domain/dialogue-turn';
import type { AiCallOptions, AiClient } from '../ports/ai-client';

/**
 * A `dialogue.turn` run as its single tasks on `ai`, in the turn's order: the appraisal; the reply,
 * its deltas passed on as they come; then the options and the rolling summary side by side (`planTurn`
 * says which are needed); `done` last. The in-process gateway answers `dialogue.turn` with it, so
 * each step keeps its task's checks, fallbacks and analytics. Errors are the tasks' own.
 */
export async function* runTurnSteps(
  ai: Pick<AiClient, 'run' | 'stream'>,
  input: DialogueTurnInput,
  options: AiCallOptions = {},
): AsyncGenerator<DialogueTurnEvent> {
  const plan = planTurn(input);
  const appraisal = await ai.run('dialogue.appraise', plan.appraise, options);
  yield { type: 'appraisal', output: appraisal.output, meta: appraisal.meta };
  const decided = plan.decide(appraisal.output);
  let reply: Extract<DialogueTurnEvent, { type: 'reply' }> | undefined;
  for await (const event of ai.stream('dialogue.reply', decided.reply, options)) {
    if (event.type === 'delta') yield { type: 'delta', text: event.text };
    else reply = { type: 'reply', output: event.output, meta: event.meta };
  }
  if (!reply) throw new AiFailed('the reply stream ended before its answer');
  yield reply;
  const next = decided.after(reply.output.text, reply.meta.oldestTurnKept);
  const [proposed, summary] = await Promise.all([
    next.options ? ai.run('dialogue.options', next.options, options) : undefined,
    next.summarize ? ai.run('dialogue.summarize', next.summarize.input, options) : undefined,
  ]);
  if (proposed) yield { type: 'options', output: proposed.output, meta: proposed.meta };
  if (summary && next.summarize)
    yield { type: 'summary', output: summary.output, meta: summary.meta, throughSeq: next.summarize.throughSeq };
  yield { type: 'done' };
}
