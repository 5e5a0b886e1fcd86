import { HUGGING_FACE_ENDPOINT, parseModelSource } from './model-source';

describe('parseModelSource: how LLAMA_MODEL becomes a file or a download', () => {
  it.each([
    [
      'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
      'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf',
      'Qwen__Qwen2.5-1.5B-Instruct-GGUF__qwen2.5-1.5b-instruct-q4_k_m.gguf',
    ],
    [
      'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf#v1.0',
      'https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/v1.0/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
      'bartowski__Llama-3.2-1B-Instruct-GGUF__Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    ],
    [
      'hf:user/repo/quant/sub dir/model.Q8_0.gguf',
      'https://huggingface.co/user/repo/resolve/main/quant/sub%20dir/model.Q8_0.gguf',
      'user__repo__model.Q8_0.gguf',
    ],
    ['huggingface:user/repo/m.gguf', 'https://huggingface.co/user/repo/resolve/main/m.gguf', 'user__repo__m.gguf'],
    ['hf://user/repo/m.GGUF', 'https://huggingface.co/user/repo/resolve/main/m.GGUF', 'user__repo__m.GGUF'],
  ])('%s -> %s', (uri, url, fileName) => {
    expect(parseModelSource(uri)).toEqual({ kind: 'download', uri, url, fileName });
  });

  it('uses another endpoint (a mirror, or a loopback server in tests) without a trailing slash', () => {
    expect(
      parseModelSource('hf:u/r/m.gguf', 'http://127.0.0.1:9999/').kind === 'download' &&
        parseModelSource('hf:u/r/m.gguf', 'http://127.0.0.1:9999/'),
    ).toMatchObject({
      url: 'http://127.0.0.1:9999/u/r/resolve/main/m.gguf',
    });
    expect(HUGGING_FACE_ENDPOINT).toBe('https://huggingface.co');
  });

  it('takes an http(s) URL as it is, named after its last segment', () => {
    expect(parseModelSource('https://example.com/models/tiny%20one.gguf?download=true')).toEqual({
      kind: 'download',
      uri: 'https://example.com/models/tiny%20one.gguf?download=true',
      url: 'https://example.com/models/tiny%20one.gguf?download=true',
      fileName: 'tiny one.gguf',
    });
  });

  it('takes anything else as a local path', () => {
    expect(parseModelSource('./models/m.gguf')).toEqual({ kind: 'file', path: './models/m.gguf' });
    expect(parseModelSource('/abs/m.gguf')).toEqual({ kind: 'file', path: '/abs/m.gguf' });
  });

  it.each([
    ['hf:user/repo', /expected hf:<user>\/<repo>\/<file>\.gguf/],
    ['hf:user/repo:Q4_K_M', /expected hf:/],
    ['hf:user/repo/model.bin', /expected hf:/],
    ['hf:user/repo/../secret.gguf', /expected hf:/],
    ['hf:../repo/m.gguf', /expected hf:/],
    ['hf:u/r/m.gguf#a#b', /expected hf:/],
    ['hf:u/r/m.gguf#bad rev', /revision/],
    ['https://example.com/model.bin', /must name a \.gguf file/],
  ])('refuses %s, saying which form it expects', (value, message) => {
    expect(() => parseModelSource(value)).toThrow(message);
  });
});
