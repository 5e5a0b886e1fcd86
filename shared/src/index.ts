/**
 * `@parley/shared`: the main API of Parley's shared library, with no drivers behind it. The pure
 * domain (dialogue, characters, events, AI tasks, analytics, errors), the ports adapters implement,
 * the config schemas and the port-only services the use cases share. The other entries:
 * `@parley/shared/http` (the HTTP kit and the API description), `@parley/shared/composition`
 * (building adapters and runtimes: composition roots only), `@parley/shared/testing` (contract suites,
 * fixtures, in-memory adapters). Code outside `shared/src` imports these four, never deep paths.
 */

// ---- domain (pure: no I/O, no env, no clock) ----
export {
  AI_TASKS,
  type AiCallMeta,
  AiCallMetaSchema,
  type AiTaskInput,
  type AiTaskName,
  AiTaskNameSchema,
  type AiTaskOutput,
  AppraiseInputSchema,
  AppraiseOutputSchema,
  type CharacterBrief,
  CharacterBriefSchema,
  GoalStandingSchema,
  OptionsInputSchema,
  OptionsOutputSchema,
  ReplyInputSchema,
  ReplyOutputSchema,
  type StreamingTaskName,
  SummarizeInputSchema,
  SummarizeOutputSchema,
  TaskRequestSchema,
  type Recall,
  RecallSchema,
  TextGenerateInputSchema,
  TextGenerateOutputSchema,
  type TokenUsage,
  TokenUsageSchema,
  TurnVerdictSchema,
} from './domain/ai-tasks';
export {
  analyticsCounter,
  analyticsIncrements,
  analyticsReport,
  type AnalyticsReport,
  AnalyticsReportSchema,
  type CharacterAnalytics,
  CharacterAnalyticsSchema,
  parseEventData,
  type ProviderAnalytics,
  ProviderAnalyticsSchema,
  strategyShares,
  TaskAnalyticsSchema,
} from './domain/analytics';
export {
  type Character,
  CharacterSchema,
  DEFAULT_PRONOUNS,
  DEFAULT_REQUIRES,
  type Goal,
  type GoalRequires,
  GoalRequiresSchema,
  GoalSchema,
  type Mood,
  MoodSchema,
  type Opinions,
  OpinionsSchema,
  OpinionValueSchema,
  type Pronouns,
  PronounsSchema,
  publicCharacter,
  type PublicCharacter,
  PublicCharacterSchema,
  shortName,
  SlugSchema,
  type Strategy,
  StrategySchema,
  type Traits,
  TraitsSchema,
} from './domain/character';
export {
  checkCharset,
  isJsonMediaType,
  type MediaType,
  readMediaType,
  toParleyEvent,
} from './domain/cloudevent-attributes';
export {
  type Appraisal,
  AppraisalSchema,
  type Changes,
  ChangesSchema,
  DialogueIdSchema,
  type DialogueState,
  DialogueStateSchema,
  DialogueStatusSchema,
  EndedBySchema,
  type GameState,
  GameStateSchema,
  GOAL_ACHIEVED_AT,
  IsoTimeSchema,
  MAX_OPINION_STEP,
  MAX_PROGRESS_STEP,
  MessageIdSchema,
  type Offense,
  type Option,
  OptionSchema,
  type Outcome,
  OutcomeSchema,
  type Participant,
  ParticipantSchema,
  PLAYER_TEXT_MAX_BYTES,
  PLAYER_TEXT_MAX_CODE_POINTS,
  PlayerIdSchema,
  PlayerTextSchema,
  RECENT_TURNS_WINDOW,
  REMEMBERED_LINES,
  REMEMBERED_SENTENCES,
  SpeakerSchema,
  type StrategyTally,
  StrategyTallySchema,
  type Turn,
  type TurnResult,
  TurnResultSchema,
  TurnSchema,
} from './domain/dialogue';
export {
  boundedMood,
  characterPatience,
  decideTurn,
  gameOf,
  goalLostBelow,
  goalRequires,
  initialGame,
  lineHash,
  nextOpinion,
  opinionFloorOf,
  rememberReply,
  RULES,
  type RulesDecision,
  type RulesInput,
  sentenceHashes,
  sentencesOf,
  strategyFit,
  type TurnVerdict,
} from './domain/dialogue-rules';
export {
  Aborted,
  AiFailed,
  AiTimeout,
  AiUnavailable,
  AuthUnavailable,
  BadRequest,
  CharacterNotFound,
  DialogueEnded,
  DialogueNotFound,
  errorBody,
  type ErrorBody,
  Forbidden,
  InvalidGoal,
  InvalidOption,
  InvalidStrategy,
  MemoryFull,
  MemoryNotFound,
  NotFound,
  ParleyError,
  PayloadTooLarge,
  RateLimited,
  StoreUnavailable,
  TooManyDialogues,
  IdempotencyKeyReused,
  TurnInFlight,
  Unauthorized,
  UnknownTask,
  Unprocessable,
  UnsupportedMediaType,
  VersionConflict,
} from './domain/errors';
export {
  type AnalyticsData,
  AnalyticsDataSchema,
  buildEvent,
  dialogueEventId,
  EVENT_DATA_SCHEMAS,
  EVENT_TYPES,
  type EventData,
  eventSource,
  type EventType,
  EventTypeSchema,
  formatSequence,
  InitiateDataSchema,
  type MemoryEventData,
  MemoryEventDataSchema,
  type ParleyEvent,
  ParleyEventSchema,
  ProgressDataSchema,
  readSequence,
  ResolveDataSchema,
  SEQUENCE_DIGITS,
  TraceparentSchema,
} from './domain/events';
export {
  parseInput,
} from './domain/parse-input';
export {
  type LineReading,
  offensesOf,
  readPlayerLine,
  STRATEGY_NOUNS,
} from './domain/player-line';
export {
  AddMemoryBodySchema,
  EndDialogueBodySchema,
  PatchMemoryBodySchema,
  SetRelationshipBodySchema,
  SendMessageBodySchema,
  StartDialogueBodySchema,
} from './domain/requests';
export {
  type AppraiseInput,
  nameFromId,
  ruleBasedAppraisal,
  strategyEffect,
  type StrategyEffect,
} from './domain/rule-appraisal';
export {
  mulberry32,
  scriptedOptions,
  scriptedReply,
  scriptedSummary,
  scriptedText,
  seedFromText,
} from './domain/scripted-lines';
export {
  applyTurn,
  boundAppraisal,
  characterBrief,
  chooseGoalAndStrategy,
  endDialogue,
  type EventContext,
  findGoal,
  findStrategy,
  goalAchieved,
  numberOptions,
  plainSummary,
  type PlayerMove,
  progressMeetsGoal,
  resolvePlayerMove,
  isSameMove,
  startDialogue,
  summaryNumbers,
} from './domain/transitions';

export {
  DEFAULT_MEMORY_LIMITS,
  DEFAULT_MEMORY_MAX_PER_CHARACTER,
  EMPTY_PAIR,
  type Eviction,
  ImportanceSchema,
  MAX_MEMORIES_PER_DIALOGUE,
  MEMORY_PROMPT_SHARE,
  type Memory,
  type MemoryDraft,
  MemoryDraftSchema,
  MemoryIdSchema,
  type MemoryLimits,
  type MemoryPatch,
  MemoryPatchSchema,
  MemorySchema,
  MemoryTextSchema,
  type PairRecord,
  PairRecordSchema,
  type Relationship,
  RelationshipSchema,
  type RememberInput,
  RememberInputSchema,
  RememberOutputSchema,
  characterAsMet,
  memoryPromptLine,
  rankMemories,
  recallMemories,
  recallPhrase,
  rememberInputOf,
  scriptedMemories,
  startingMood,
  startingOpinion,
} from './domain/memory';
export { forgetEvent, memoryEvents, memorySubject } from './domain/memory-events';

// ---- ports ----
export {
  type AiCallOptions,
  type AiClient,
  type AiStreamEvent,
} from './ports/ai-client';
export {
  type AiProvider,
  type FinishReason,
  type ProviderCallOptions,
  type StructuredTaskName,
  type TextChunk,
} from './ports/ai-provider';
export {
  type AnalyticsStore,
  checkIncrements,
} from './ports/analytics-store';
export {
  type CharacterCatalog,
} from './ports/character-catalog';
export {
  assertVersionAdvances,
  type CommitResult,
  type CreateResult,
  type DialogueStore,
  type EndCommit,
  type ExpireResult,
  EXPIRY_GRACE_SECONDS,
  type TurnCommit,
} from './ports/dialogue-store';
export {
  type EventHandler,
  type EventPublisher,
} from './ports/event-publisher';
export {
  type Logger,
  type LogMethod,
} from './ports/logger';
export {
  type MetricsRecorder,
  NO_METRICS,
} from './ports/metrics';
export {
  type RateLimiter,
} from './ports/rate-limiter';
export {
  type SeenEvents,
} from './ports/seen-events';

export type { ForgetRequest, MemoryStore, PairWrite, SaveResult } from './ports/memory-store';

// ---- config, and the port-only services the use cases share ----
export {
  AI_PROVIDER_NAMES,
  type AiProviderName,
  type AuthConfig,
  AuthConfigSchema,
  type CommonConfig,
  CommonConfigSchema,
  ConfigError,
  type DialogueConfig,
  DialogueConfigSchema,
  MemoryConfigSchema,
  optionalUrl,
  portVar,
  readConfig,
  subscriberConfigSchema,
} from './config';
export {
  characterOf,
  type DialogueDeps,
  findOwned,
  goalBrief,
  goalOf,
  loadOwnedState,
  seedFor,
} from './services/dialogue-access';
export { HeldTurnLock, MAX_TURN_LOCK_MS, renewEveryMs } from './services/turn-lock';
export { CharacterMemory, endRemembered, type CharacterMemoryDeps, type StartingPoint } from './services/character-memory';
export {
  summarizeEnding,
} from './services/dialogue-summary';
