/** One row of the `npm run bench` table; every bench (ours, llama) returns these. */
export type BenchLine = {
  section: string;
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target?: string;
  pass?: boolean;
  note?: string;
};
