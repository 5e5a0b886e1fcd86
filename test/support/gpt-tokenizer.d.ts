// gpt-tokenizer 3.4.0 ships no type declarations; the one function the fake model server uses.
declare module 'gpt-tokenizer' {
  /** Token ids of `text` in the o200k_base encoding (GPT-4o). */
  export function encode(text: string): number[];
}
