/**
 * Where the llama provider's model comes from (`LLAMA_MODEL`): a local GGUF file, or a file to
 * download once into a cache folder, named by a Hugging Face URI or an http(s) URL. Pure: no I/O.
 */
export type ModelSource =
  | { kind: 'file'; path: string }
  | {
      kind: 'download';
      /** What the setting said (for messages). */
      uri: string;
      /** What is fetched. */
      url: string;
      /** The file's name in the cache folder. */
      fileName: string;
    };

export const HUGGING_FACE_ENDPOINT = 'https://huggingface.co';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SEGMENT = /^[A-Za-z0-9._ +()-]+$/;

/**
 * `hf:<user>/<repo>/<path/to/file>.gguf[#<revision>]` (the form node-llama-cpp and llama.cpp's `-hf`
 * accept for one file) becomes `<endpoint>/<user>/<repo>/resolve/<revision or main>/<path>`, the
 * Hugging Face download URL; `http(s)://…/<file>.gguf` is fetched as it is; anything else is a path.
 * The cached file is named `<user>__<repo>__<file>` for hf: URIs (two repositories may ship the same
 * file name) and after the URL's last segment otherwise.
 * @throws Error naming the expected form, for a malformed `hf:` URI or a URL that names no .gguf file.
 */
export function parseModelSource(value: string, endpoint: string = HUGGING_FACE_ENDPOINT): ModelSource {
  const base = endpoint.replace(/\/+$/, '');
  if (/^(hf|huggingface):/i.test(value)) {
    const body = value.replace(/^(hf|huggingface):(\/\/)?/i, '');
    const [path = '', revision, extra] = body.split('#');
    const [user = '', repo = '', ...file] = path.split('/');
    const form = 'expected hf:<user>/<repo>/<file>.gguf or hf:<user>/<repo>/<folder>/<file>.gguf#<revision>';
    if (extra !== undefined || !NAME.test(user) || !NAME.test(repo) || file.length === 0)
      throw new Error(`${value}: ${form}`);
    if (repo.includes(':')) throw new Error(`${value}: name the file instead of a quantization tag (${form})`);
    if (
      !file.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..') ||
      !file[file.length - 1]!.toLowerCase().endsWith('.gguf')
    ) {
      throw new Error(`${value}: ${form}`);
    }
    if (revision !== undefined && !NAME.test(revision))
      throw new Error(`${value}: the revision after # must be a branch, tag or commit`);
    const encoded = file.map(encodeURIComponent).join('/');
    return {
      kind: 'download',
      uri: value,
      url: `${base}/${user}/${repo}/resolve/${encodeURIComponent(revision ?? 'main')}/${encoded}`,
      fileName: `${user}__${repo}__${file[file.length - 1]}`,
    };
  }
  if (/^https?:\/\//i.test(value)) {
    const url = new URL(value);
    const last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    if (!last.toLowerCase().endsWith('.gguf') || !SEGMENT.test(last))
      throw new Error(`${value}: the URL must name a .gguf file`);
    return { kind: 'download', uri: value, url: url.href, fileName: last };
  }
  return { kind: 'file', path: value };
}
