// @parley/client: the public surface.
export { createParleyClient } from './parley-client';
export type {
  ParleyClient,
  ParleyClientOptions,
  CallOptions,
  StartOptions,
  StartDialogueInput,
  SendMessageInput,
  EndDialogueInput,
  StartEvent,
  MessageEvent,
} from './parley-client';
export { ParleyApiError } from './parley-api-error';
export type {
  PublicCharacter,
  Mood,
  DialogueState,
  Turn,
  Option,
  Changes,
  Outcome,
  ParleyEvent,
  CharacterListAnswer,
  CharacterAnswer,
  StartDialogueAnswer,
  TurnAnswer,
  DialogueAnswer,
  EndAnswer,
  DevEventsAnswer,
  ListDialoguesAnswer,
  StartStreamEvent,
  MessageStreamEvent,
} from './api-types';
