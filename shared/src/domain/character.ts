import { z } from 'zod';

/** Ids travel in URLs, Redis keys and routing keys: keep them to a safe alphabet. */
export const SlugSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');

export const OpinionValueSchema = z.number().min(-100).max(100);

export const MoodSchema = z.strictObject({
  emotion: z.string().min(1).max(32),
  intensity: z.number().min(0).max(1),
  valence: z.number().min(-1).max(1),
});
export type Mood = z.infer<typeof MoodSchema>;

/** Trait names are free (honesty, courage, vanity...), values 0..1. */
export const TraitsSchema = z.record(z.string().min(1).max(32), z.number().min(0).max(1));
export type Traits = z.infer<typeof TraitsSchema>;

/** Opinions toward the player (key `player`) and other characters, -100..100. */
export const OpinionsSchema = z.record(z.string().min(1).max(64), OpinionValueSchema);
export type Opinions = z.infer<typeof OpinionsSchema>;

export const StrategySchema = z.strictObject({
  id: SlugSchema,
  description: z.string().min(1).max(500),
});
export type Strategy = z.infer<typeof StrategySchema>;

export const GoalSchema = z.strictObject({
  id: SlugSchema,
  description: z.string().min(1).max(500),
  successHint: z.string().min(1).max(500),
  strategies: z.array(StrategySchema).min(1),
});
export type Goal = z.infer<typeof GoalSchema>;

export const CharacterSchema = z
  .strictObject({
    id: SlugSchema,
    name: z.string().min(1).max(80),
    persona: z.string().min(1).max(4000),
    greeting: z.string().min(1).max(500),
    traits: TraitsSchema,
    baselineMood: MoodSchema,
    opinions: OpinionsSchema.refine((o) => 'player' in o, 'must hold an opinion of the "player"'),
    goals: z.array(GoalSchema).min(1),
    /** Private to the server: reaches prompts, never the client. */
    secrets: z.array(z.string().min(1).max(500)).default([]),
  })
  .superRefine((character, ctx) => {
    const goalIds = character.goals.map((g) => g.id);
    if (new Set(goalIds).size !== goalIds.length) {
      ctx.addIssue({ code: 'custom', path: ['goals'], message: 'goal ids must be unique' });
    }
    character.goals.forEach((goal, i) => {
      const ids = goal.strategies.map((s) => s.id);
      if (new Set(ids).size !== ids.length) {
        ctx.addIssue({ code: 'custom', path: ['goals', i, 'strategies'], message: 'strategy ids must be unique' });
      }
    });
  });
export type Character = z.infer<typeof CharacterSchema>;

/** What the frontend may see of a character: no persona prose, no secrets. */
export const PublicCharacterSchema = z.strictObject({
  id: SlugSchema,
  name: z.string(),
  baselineMood: MoodSchema,
  traits: TraitsSchema,
  goals: z.array(
    z.strictObject({
      id: SlugSchema,
      description: z.string(),
      successHint: z.string(),
      strategies: z.array(StrategySchema),
    }),
  ),
});
export type PublicCharacter = z.infer<typeof PublicCharacterSchema>;

export function publicCharacter(character: Character): PublicCharacter {
  return {
    id: character.id,
    name: character.name,
    baselineMood: character.baselineMood,
    traits: character.traits,
    goals: character.goals.map((g) => ({
      id: g.id,
      description: g.description,
      successHint: g.successHint,
      strategies: g.strategies.map((s) => ({ id: s.id, description: s.description })),
    })),
  };
}
