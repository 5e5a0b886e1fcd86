/**
 * The client's names for the API's shapes, all taken from `generated/openapi.ts` (generated from the
 * OpenAPI document, itself generated from the server's zod schemas): flat types with no import, so
 * the published declarations need neither zod nor the server's source.
 */
import type { components, operations } from './generated/openapi';

type Schemas = components['schemas'];
type JsonBody<Op> = Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type SuccessOf<Op> = Op extends { responses: { 200: infer R } }
  ? R
  : Op extends { responses: { 201: infer R } }
    ? R
    : never;
type JsonAnswer<Op> = SuccessOf<Op> extends { content: { 'application/json': infer A } } ? A : never;
type SseEvents<Op> = SuccessOf<Op> extends { content: { 'text/event-stream': infer E } } ? E : never;

export type PublicCharacter = Schemas['PublicCharacter'];
export type Mood = Schemas['Mood'];
export type DialogueState = Schemas['DialogueState'];
export type Turn = Schemas['Turn'];
export type Option = Schemas['Option'];
export type Changes = Schemas['Changes'];
export type Outcome = Schemas['Outcome'];
/** A CloudEvent as `GET /v1/dev/events` lists it. */
export type ParleyEvent = Schemas['CloudEvent'];

export type CharacterListAnswer = JsonAnswer<operations['listCharacters']>;
export type CharacterAnswer = JsonAnswer<operations['getCharacter']>;
export type StartDialogueAnswer = JsonAnswer<operations['startDialogue']>;
export type TurnAnswer = JsonAnswer<operations['sendMessage']>;
export type DialogueAnswer = JsonAnswer<operations['getDialogue']>;
export type EndAnswer = JsonAnswer<operations['endDialogue']>;
export type DevEventsAnswer = JsonAnswer<operations['devEvents']>;
export type ListDialoguesAnswer = JsonAnswer<operations['listDialogues']>;
/** What a character keeps of the calling player. */
export type MemoryAnswer = JsonAnswer<operations['getMyMemory']>;
/** The characters that forgot the calling player. */
export type ForgetAnswer = JsonAnswer<operations['forgetMyMemory']>;

export type StartDialogueBody = JsonBody<operations['startDialogue']>;
export type SendMessageBody = JsonBody<operations['sendMessage']>;
export type EndDialogueBody = JsonBody<operations['endDialogue']>;

/** Every event of a start stream, `{ event, data }`, the `error` event included. */
export type StartStreamEvent = SseEvents<operations['startDialogue']>;
/** Every event of a turn stream, `{ event, data }`, the `error` event included. */
export type MessageStreamEvent = SseEvents<operations['sendMessage']>;
