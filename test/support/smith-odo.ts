/**
 * Odo the Smith: a small valid character of the tests' own, so they do not move when the sample
 * content is edited. Its persona and secret carry markers a test can look for. A fresh copy per call.
 */
export const smithOdo = () =>
  structuredClone({
    id: 'smith-odo',
    name: 'Odo the Smith',
    persona: 'A gruff smith. PERSONA-MARKER',
    greeting: 'Forge is hot. Talk fast.',
    traits: { honesty: 0.6 },
    baselineMood: { emotion: 'gruff', intensity: 0.4, valence: -0.2 },
    opinions: { player: 20, 'innkeeper-mara': -5 },
    goals: [
      {
        id: 'buy-sword',
        description: 'Buy the good sword cheap',
        successHint: 'Odo sells it at half price',
        strategies: [
          { id: 'persuade', description: 'Haggle honestly' },
          { id: 'bribe', description: 'Slip him coin' },
        ],
      },
      {
        id: 'learn-debt',
        description: 'Learn whom he owes',
        successHint: 'Odo names his creditor',
        strategies: [{ id: 'flatter', description: 'Praise his craft' }],
      },
    ],
    secrets: ['SECRET-MARKER: he owes the harbour gang.'],
  });
