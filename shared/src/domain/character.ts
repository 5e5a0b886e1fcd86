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

/**
 * When a goal counts as reached: every condition that is set must hold after a turn's rules.
 * Defaults (see `goalRequires`): progress 0.7, opinion of the player at least 0, mood valence at least -0.3.
 */
export const GoalRequiresSchema = z.strictObject({
  /** Goal progress 0..1 at or above which the character may yield. */
  progress: z.number().min(0.05).max(1).optional(),
  /** The character's opinion of the player (-100..100) must be at least this. */
  opinion: OpinionValueSchema.optional(),
  /** The character's mood valence (-1..1) must be at least this. */
  valence: z.number().min(-1).max(1).optional(),
});
export type GoalRequires = z.infer<typeof GoalRequiresSchema>;
/** The default conditions of a goal (the rules' `RULES.requires` is this object). */
export const DEFAULT_REQUIRES = { progress: 0.7, opinion: 0, valence: -0.3 } as const;

/** A goal's conditions with each one left out (or undefined) taken from {@link DEFAULT_REQUIRES}. */
export function requiresWithDefaults(requires: GoalRequires | undefined): {
  progress: number;
  opinion: number;
  valence: number;
} {
  return {
    progress: requires?.progress ?? DEFAULT_REQUIRES.progress,
    opinion: requires?.opinion ?? DEFAULT_REQUIRES.opinion,
    valence: requires?.valence ?? DEFAULT_REQUIRES.valence,
  };
}

export const GoalSchema = z.strictObject({
  id: SlugSchema,
  description: z.string().min(1).max(500),
  successHint: z.string().min(1).max(500),
  strategies: z.array(StrategySchema).min(1),
  requires: GoalRequiresSchema.optional(),
  /** What the character says or does on yielding, in the character's own voice; defaults to none (the successHint guides). */
  concession: z.string().min(1).max(500).optional(),
  /** Secrets (their exact text, from `secrets`) that a won goal lets the character disclose. */
  reveals: z.array(z.string().min(1).max(500)).default([]),
});
export type Goal = z.infer<typeof GoalSchema>;

/** How the character is spoken of: "she / her / her", "he / him / his", "they / them / their". */
export const PronounsSchema = z.strictObject({
  subject: z.string().min(1).max(16),
  object: z.string().min(1).max(16),
  possessive: z.string().min(1).max(16),
});
export type Pronouns = z.infer<typeof PronounsSchema>;
export const DEFAULT_PRONOUNS: Pronouns = { subject: 'they', object: 'them', possessive: 'their' };

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
    /** A line or two the player may read before talking (public; the persona is not). */
    blurb: z.string().min(1).max(300).optional(),
    pronouns: PronounsSchema.default(DEFAULT_PRONOUNS),
    /** Bad turns the character puts up with before leaving; default from traits (`characterPatience`). */
    patience: z.number().int().min(1).max(20).optional(),
    /** The character leaves when the opinion of the player falls below this; default -60. */
    opinionFloor: OpinionValueSchema.optional(),
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
      goal.reveals.forEach((secret, j) => {
        if (!character.secrets.includes(secret)) {
          ctx.addIssue({
            code: 'custom',
            path: ['goals', i, 'reveals', j],
            message: 'must be the exact text of one of the secrets',
          });
        }
      });
    });
  });
export type Character = z.infer<typeof CharacterSchema>;

/** How the character is called in speech: "Captain Bram Holloway" -> "Bram" (a leading title is skipped). */
export function shortName(name: string): string {
  const parts = name.split(/\s+/);
  return (parts.length >= 3 ? parts[1] : parts[0]) ?? name;
}

/** What the frontend may see of a character: no persona prose, no secrets. */
export const PublicCharacterSchema = z.strictObject({
  id: SlugSchema,
  name: z.string(),
  blurb: z.string().optional(),
  pronouns: PronounsSchema,
  baselineMood: MoodSchema,
  traits: TraitsSchema,
  goals: z.array(
    z.strictObject({
      id: SlugSchema,
      description: z.string(),
      successHint: z.string(),
      strategies: z.array(StrategySchema),
      /** The conditions in force (defaults filled in), so a game need not hard-code them. */
      requires: GoalRequiresSchema.required(),
    }),
  ),
});
export type PublicCharacter = z.infer<typeof PublicCharacterSchema>;

export function publicCharacter(character: Character): PublicCharacter {
  return {
    id: character.id,
    name: character.name,
    ...(character.blurb ? { blurb: character.blurb } : {}),
    pronouns: character.pronouns,
    baselineMood: character.baselineMood,
    traits: character.traits,
    goals: character.goals.map((g) => ({
      id: g.id,
      description: g.description,
      successHint: g.successHint,
      strategies: g.strategies.map((s) => ({ id: s.id, description: s.description })),
      requires: requiresWithDefaults(g.requires),
    })),
  };
}
