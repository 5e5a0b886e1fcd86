// @parley/client: the public surface.
export { createParleyClient } from './parley-client';
export type {
  ParleyClient,
  ParleyClientOptions,
  CallOptions,
  StartDialogueInput,
  SendMessageInput,
  EndDialogueInput,
  StartEvent,
  MessageEvent,
} from './parley-client';
export { ParleyApiError } from './parley-api-error';
export type { PublicCharacter, Mood } from '../../shared/src/domain/character';
export type { DialogueState, Turn, Option, Changes, Outcome } from '../../shared/src/domain/dialogue';
export type { ParleyEvent } from '../../shared/src/domain/events';
export type { StartDialogueAnswer, TurnAnswer, DialogueAnswer, EndAnswer, DevEventsAnswer } from '../../shared/src/api/api-schemas';
