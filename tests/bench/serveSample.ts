// Pure parts of `npm run bench:serve`: one request's split into the engine's time, the wait behind other
// requests and the server's own overhead, and the percentiles per number of clients. Nothing is timed here.
import { percentile } from './stackSample';

export interface ServeSample {
  clients: number;
  /** The client's round trip: from sending the request to the parsed answer. */
  roundTripMs: number;
  /** The engine's own time for the request (`Server-Timing: engine`). */
  engineMs: number;
  /** The wait in the engine host behind other requests (`Server-Timing: queue`). */
  queueMs: number;
}

/** `engine;dur=12.5, queue;dur=0.1` into its durations; a missing one is an error (the bench cannot split the time). */
export function parseServerTiming(header: string | null): { engineMs: number; queueMs: number } {
  const dur = (name: string) => {
    const match = new RegExp(`(?:^|,)\\s*${name};dur=([0-9.]+)`).exec(header ?? '');
    if (!match) throw new Error(`Server-Timing has no ${name} duration: ${header ?? '(none)'}`);
    return Number(match[1]);
  };
  return { engineMs: dur('engine'), queueMs: dur('queue') };
}

export interface ServeRow {
  clients: number;
  requests: number;
  /** Round trip less the engine's time and the queue: HTTP, JSON, validation and the hop to the engine host and back. */
  overheadP50: number;
  overheadP95: number;
  /** Round trip less the engine's time only: what a client waits beyond the engine, queueing behind the others included. */
  beyondEngineP50: number;
  beyondEngineP95: number;
  engineP50: number;
  roundTripP50: number;
}

export function summarise(samples: readonly ServeSample[]): ServeRow[] {
  const byClients = new Map<number, ServeSample[]>();
  for (const s of samples) byClients.set(s.clients, [...(byClients.get(s.clients) ?? []), s]);
  return [...byClients.entries()]
    .sort(([a], [b]) => a - b)
    .map(([clients, group]) => {
      const overhead = group.map((s) => s.roundTripMs - s.engineMs - s.queueMs);
      const beyond = group.map((s) => s.roundTripMs - s.engineMs);
      return {
        clients,
        requests: group.length,
        overheadP50: percentile(overhead, 50),
        overheadP95: percentile(overhead, 95),
        beyondEngineP50: percentile(beyond, 50),
        beyondEngineP95: percentile(beyond, 95),
        engineP50: percentile(group.map((s) => s.engineMs), 50),
        roundTripP50: percentile(group.map((s) => s.roundTripMs), 50),
      };
    });
}

export function markdownTable(rows: readonly ServeRow[]): string {
  const f = (n: number) => n.toFixed(1);
  return [
    '| clients | requests | overhead p50 (ms) | overhead p95 (ms) | beyond engine p50 / p95 (ms, queue included) | engine p50 (ms) | round trip p50 (ms) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.clients} | ${r.requests} | ${f(r.overheadP50)} | ${f(r.overheadP95)} | ${f(r.beyondEngineP50)} / ${f(r.beyondEngineP95)} | ${f(r.engineP50)} | ${f(r.roundTripP50)} |`),
  ].join('\n');
}
