// The shared library's entry files (`@parley/shared`, `@parley/shared/http`, ...), as tsconfig.json's
// `paths` names them, for esbuild: one exact specifier -> one file, so a deep path never resolves.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const { compilerOptions } = JSON.parse(readFileSync(new URL('../tsconfig.json', import.meta.url), 'utf8'));
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const entries = new Map(Object.entries(compilerOptions.paths).map(([name, [file]]) => [name, path.join(root, file)]));

/** An esbuild plugin resolving `@parley/shared` and its entries to their source files. */
export const sharedEntries = {
  name: 'parley-shared-entries',
  setup(build) {
    build.onResolve({ filter: /^@parley\/shared(\/|$)/ }, (args) => {
      const file = entries.get(args.path);
      return file
        ? { path: file }
        : { errors: [{ text: `${args.path} is not an entry of @parley/shared (${[...entries.keys()].join(', ')})` }] };
    });
  },
};
