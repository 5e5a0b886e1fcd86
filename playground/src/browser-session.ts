/**
 * What the playground keeps in this browser (localStorage): its own player id, so two browsers are
 * two players and a reload is the same player, and the dialogue on screen, so a reload resumes it.
 */
export type BrowserSession = {
  readonly playerId: string;
  dialogueId(): string | null;
  setDialogueId(id: string | null): void;
};

const PLAYER_KEY = 'parley.playground.playerId';
const DIALOGUE_KEY = 'parley.playground.dialogueId';

/** `storage` is window.localStorage; a player id is made once (`pg-` + 12 hex digits, a valid X-Player-Id). */
export function browserSession(storage: Storage): BrowserSession {
  let playerId = storage.getItem(PLAYER_KEY);
  if (!playerId || !/^[A-Za-z0-9._:@|-]{1,128}$/.test(playerId)) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    playerId = `pg-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    storage.setItem(PLAYER_KEY, playerId);
  }
  const id = playerId;
  return {
    playerId: id,
    dialogueId: () => storage.getItem(DIALOGUE_KEY),
    setDialogueId: (dialogueId) =>
      dialogueId ? storage.setItem(DIALOGUE_KEY, dialogueId) : storage.removeItem(DIALOGUE_KEY),
  };
}
