// npx tsx training/plot-cli.ts <run>/train-log.jsonl [<run>/loss.svg] [--title "..."]
// Draws the run's loss curve (see plot.ts).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PlotError, writeLossChart } from './plot';

const USAGE = 'usage: tsx training/plot-cli.ts <train-log.jsonl> [<out.svg>] [--title <text>]';

let parsed;
try {
  parsed = parseArgs({ allowPositionals: true, options: { title: { type: 'string' } } });
} catch (err) {
  console.error(`plot: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const [log, svg] = parsed.positionals;
if (!log || parsed.positionals.length > 2) {
  console.error(`plot: give the log file (and at most an output file)\n${USAGE}`);
  process.exit(2);
}
const out = svg ?? path.join(path.dirname(log), 'loss.svg');
try {
  writeLossChart(log, out, { title: parsed.values.title });
  console.log(out);
} catch (err) {
  if (!(err instanceof PlotError)) throw err;
  console.error(`plot: ${err.message}`);
  process.exit(1);
}
