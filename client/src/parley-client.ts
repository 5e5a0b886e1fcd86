import type {
  CharacterAnswer,
  CharacterListAnswer,
  DevEventsAnswer,
  DialogueAnswer,
  EndAnswer,
  EndDialogueBody,
  ListDialoguesAnswer,
  ForgetAnswer,
  MemoryAnswer,
  MessageStreamEvent,
  PublicCharacter,
  SendMessageBody,
  StartDialogueAnswer,
  StartDialogueBody,
  StartStreamEvent,
  TurnAnswer,
} from './api-types';
import { ParleyApiError, errorFromResponse } from './parley-api-error';
import { readSseFrames } from './sse-frames';

export type ParleyClientOptions = {
  /** Where Parley answers, e.g. `http://localhost:8080` (or `''` in a page served by Parley). */
  baseUrl: string;
  /** A bearer token (JWT whose `sub` is the player), sent as `Authorization: Bearer …`. */
  token?: string;
  /** Only where the server runs with AUTH_MODE=none (npm start): names the player. */
  playerId?: string;
  /** Defaults to the global fetch; inject one for tests or custom agents. */
  fetch?: typeof fetch;
};
export type CallOptions = { signal?: AbortSignal };
/**
 * A start's `idempotencyKey` (sent as `Idempotency-Key`, 1-255 visible ASCII characters): retrying a
 * start with the same key answers the dialogue the first attempt started, never a second one.
 */
export type StartOptions = CallOptions & { idempotencyKey?: string };

/** `strategyId` may be left out: the server then uses the goal's first strategy and names it in the answer. */
export type StartDialogueInput = StartDialogueBody;
/** `messageId` is the idempotency key; the client makes one when it is left out. */
export type SendMessageInput = Omit<SendMessageBody, 'messageId'> & { messageId?: string };
export type EndDialogueInput = EndDialogueBody;

/** Stream events as yielded: an `error` event is thrown as a ParleyApiError instead. */
export type StartEvent = Exclude<StartStreamEvent, { event: 'error' }>;
export type MessageEvent = Exclude<MessageStreamEvent, { event: 'error' }>;

export type ParleyClient = {
  listCharacters(options?: CallOptions): Promise<PublicCharacter[]>;
  getCharacter(characterId: string, options?: CallOptions): Promise<PublicCharacter>;
  startDialogue(input: StartDialogueInput, options?: StartOptions & { stream?: false }): Promise<StartDialogueAnswer>;
  startDialogue(input: StartDialogueInput, options: StartOptions & { stream: true }): AsyncIterable<StartEvent>;
  sendMessage(
    dialogueId: string,
    input: SendMessageInput,
    options?: CallOptions & { stream?: false },
  ): Promise<TurnAnswer>;
  sendMessage(
    dialogueId: string,
    input: SendMessageInput,
    options: CallOptions & { stream: true },
  ): AsyncIterable<MessageEvent>;
  getDialogue(dialogueId: string, options?: CallOptions): Promise<DialogueAnswer>;
  /** The player's own live dialogues, ordered by id: `limit` 1-100 (default 20), `after` = the previous page's `next`. */
  listDialogues(
    query?: { status?: 'active'; limit?: number; after?: string },
    options?: CallOptions,
  ): Promise<ListDialoguesAnswer>;
  endDialogue(dialogueId: string, input?: EndDialogueInput, options?: CallOptions): Promise<EndAnswer>;
  /** What this character keeps of the calling player: relationship and memories. */
  getMemory(characterId: string, options?: CallOptions): Promise<MemoryAnswer>;
  /** Forget me: this character (or, without one, every character) drops what it keeps of the player. */
  forgetMe(characterId?: string, options?: CallOptions): Promise<ForgetAnswer>;
  /** `npm start` only: the CloudEvents emitted after position `after`. */
  devEvents(after?: number, options?: CallOptions): Promise<DevEventsAnswer>;
};

/** A typed client of Parley's frontend routes; works wherever `fetch` does (browsers, Node 18+). */
export function createParleyClient(options: ParleyClientOptions): ParleyClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  function headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      accept: 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.playerId ? { 'x-player-id': options.playerId } : {}),
      ...extra,
    };
  }

  async function request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    call: CallOptions & { idempotencyKey?: string },
    accept?: string,
  ): Promise<Response> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: headers({
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(accept ? { accept } : {}),
        ...(call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}),
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(call.signal ? { signal: call.signal } : {}),
    });
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  async function json<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    call: CallOptions & { idempotencyKey?: string } = {},
  ): Promise<T> {
    return (await (await request(method, path, body, call)).json()) as T;
  }

  async function* stream<E extends { event: string; data: unknown }>(
    path: string,
    body: unknown,
    call: CallOptions & { idempotencyKey?: string },
  ): AsyncGenerator<Exclude<E, { event: 'error' }>> {
    const res = await request('POST', path, body, call, 'text/event-stream');
    if (!res.body)
      throw new ParleyApiError({ status: 0, code: 'StreamInterrupted', message: 'the answer has no body' });
    for await (const frame of readSseFrames(res.body, call.signal)) {
      if (frame.event === 'error') {
        const error = (frame.data as { error?: { code?: string; message?: string; details?: unknown } }).error ?? {};
        throw new ParleyApiError({
          status: res.status,
          code: error.code ?? 'Internal',
          message: error.message ?? 'stream failed',
          details: error.details,
        });
      }
      yield frame as Exclude<E, { event: 'error' }>;
      if (frame.event === 'done') return;
    }
    throw new ParleyApiError({
      status: 0,
      code: 'StreamInterrupted',
      message: 'the stream ended before its done event',
    });
  }

  const id = (value: string) => encodeURIComponent(value);

  function startDialogue(
    input: StartDialogueInput,
    call?: StartOptions & { stream?: false },
  ): Promise<StartDialogueAnswer>;
  function startDialogue(input: StartDialogueInput, call: StartOptions & { stream: true }): AsyncIterable<StartEvent>;
  function startDialogue(
    input: StartDialogueInput,
    call: StartOptions & { stream?: boolean } = {},
  ): Promise<StartDialogueAnswer> | AsyncIterable<StartEvent> {
    const { stream: wantStream, ...rest } = call;
    return wantStream
      ? stream<StartStreamEvent>('/v1/dialogues', input, rest)
      : json<StartDialogueAnswer>('POST', '/v1/dialogues', input, rest);
  }

  function sendMessage(
    dialogueId: string,
    input: SendMessageInput,
    call?: CallOptions & { stream?: false },
  ): Promise<TurnAnswer>;
  function sendMessage(
    dialogueId: string,
    input: SendMessageInput,
    call: CallOptions & { stream: true },
  ): AsyncIterable<MessageEvent>;
  function sendMessage(
    dialogueId: string,
    input: SendMessageInput,
    call: CallOptions & { stream?: boolean } = {},
  ): Promise<TurnAnswer> | AsyncIterable<MessageEvent> {
    const { stream: wantStream, ...rest } = call;
    const body = { ...input, messageId: input.messageId ?? newMessageId() };
    const path = `/v1/dialogues/${id(dialogueId)}/messages`;
    return wantStream ? stream<MessageStreamEvent>(path, body, rest) : json<TurnAnswer>('POST', path, body, rest);
  }

  return {
    async listCharacters(call) {
      return (await json<CharacterListAnswer>('GET', '/v1/characters', undefined, call)).characters;
    },
    async getCharacter(characterId, call) {
      return (await json<CharacterAnswer>('GET', `/v1/characters/${id(characterId)}`, undefined, call)).character;
    },
    startDialogue,
    sendMessage,
    listDialogues: (query = {}, call) => {
      const params = new URLSearchParams({ status: query.status ?? 'active' });
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.after !== undefined) params.set('after', query.after);
      return json<ListDialoguesAnswer>('GET', `/v1/dialogues?${params}`, undefined, call);
    },
    getDialogue: (dialogueId, call) => json<DialogueAnswer>('GET', `/v1/dialogues/${id(dialogueId)}`, undefined, call),
    endDialogue: (dialogueId, input = {}, call) =>
      json<EndAnswer>('POST', `/v1/dialogues/${id(dialogueId)}/end`, input, call),
    getMemory: (characterId, call) =>
      json<MemoryAnswer>('GET', `/v1/characters/${id(characterId)}/memory`, undefined, call),
    forgetMe: (characterId, call) =>
      json<ForgetAnswer>(
        'DELETE',
        characterId === undefined ? '/v1/memory' : `/v1/characters/${id(characterId)}/memory`,
        undefined,
        call,
      ),
    devEvents: (after = 0, call) => json<DevEventsAnswer>('GET', `/v1/dev/events?after=${after}`, undefined, call),
  };
}

function newMessageId(): string {
  // randomUUID exists in Node 19+ and in browsers' secure contexts (localhost included).
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
