import type { HostReport } from '../../assistant/host/protocol';

/**
 * The completion API's metrics in Prometheus' text format (version 0.0.4): requests and errors by route,
 * time to first token and request duration, prompt tokens by where their KV came from, the block tiers' sizes.
 * docs/grafana-steerway-serve.json charts exactly these names.
 */

/** Seconds; from a warm cache hit (a few ms) to a cold long prompt on a CPU. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where a prompt token's KV came from: computed by this request, or reused from one of the tiers. */
export const PROMPT_TOKEN_TIERS = ['computed', 'context', 'memory', 'disk'] as const;
export type PromptTokenTier = (typeof PROMPT_TOKEN_TIERS)[number];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

class Series<T> {
  private readonly values = new Map<string, { labels: Labels; value: T }>();
  constructor(private readonly initial: () => T) {}
  get(labels: Labels): T {
    const key = labelText(labels);
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels, value: this.initial() };
      this.values.set(key, entry);
    }
    return entry.value;
  }
  set(labels: Labels, value: T): void {
    this.values.set(labelText(labels), { labels, value });
  }
  entries(): Array<{ labels: Labels; value: T }> {
    return [...this.values.values()];
  }
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class ApiMetrics {
  private readonly requests = new Series<{ n: number }>(() => ({ n: 0 }));
  private readonly errors = new Series<{ n: number }>(() => ({ n: 0 }));
  private readonly ttft = new Series<Histogram>(() => ({ counts: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 }));
  private readonly duration = new Series<Histogram>(() => ({ counts: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 }));
  private readonly promptTokens = new Series<{ n: number }>(() => ({ n: 0 }));
  private readonly generatedTokens = new Series<{ n: number }>(() => ({ n: 0 }));
  private readonly cacheBytes = new Series<{ n: number }>(() => ({ n: 0 }));

  constructor() {
    for (const tier of PROMPT_TOKEN_TIERS) this.promptTokens.get({ tier });
    for (const tier of ['memory', 'disk']) this.cacheBytes.get({ tier });
  }

  /** Every answered request, refusals included; an error also counts by its type. */
  request(route: string, status: number, errorType?: string): void {
    this.requests.get({ route, status: String(status) }).n++;
    if (errorType) this.errors.get({ route, type: errorType }).n++;
  }

  /** A completion the engine ran: the tokens by tier, TTFT and duration as the client saw them (queueing included). */
  completion(route: string, report: HostReport, seconds: number, cache: { memoryBytes: number; diskBytes: number } | undefined): void {
    const tokens: Record<PromptTokenTier, number> = {
      computed: report.computedTokens,
      context: report.reusedFromContext,
      memory: report.reusedFromMemory,
      disk: report.reusedFromDisk,
    };
    for (const tier of PROMPT_TOKEN_TIERS) this.promptTokens.get({ tier }).n += tokens[tier];
    this.generatedTokens.get({ route }).n += report.generatedTokens;
    // The wait before the engine started is the round trip less the engine's own time.
    const waitSeconds = Math.max(0, seconds - report.totalMs / 1000);
    observe(this.ttft.get({ route }), waitSeconds + report.timeToFirstTokenMs / 1000);
    observe(this.duration.get({ route }), seconds);
    if (cache) {
      this.cacheBytes.set({ tier: 'memory' }, { n: cache.memoryBytes });
      this.cacheBytes.set({ tier: 'disk' }, { n: cache.diskBytes });
    }
  }

  render(): string {
    const out: string[] = [];
    const simple = (name: string, type: 'counter' | 'gauge', help: string, series: Series<{ n: number }>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const { labels, value } of series.entries()) out.push(`${name}${labelText(labels)} ${value.n}`);
    };
    const histogram = (name: string, help: string, series: Series<Histogram>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const { labels, value } of series.entries()) {
        SECONDS_BUCKETS.forEach((le, i) => out.push(`${name}_bucket${labelText({ ...labels, le: String(le) })} ${value.counts[i]}`));
        out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${value.count}`);
        out.push(`${name}_sum${labelText(labels)} ${value.sum}`, `${name}_count${labelText(labels)} ${value.count}`);
      }
    };
    simple('steerway_api_requests_total', 'counter', 'HTTP requests answered, by route and status.', this.requests);
    simple('steerway_api_errors_total', 'counter', 'Requests answered with an error, by route and error type.', this.errors);
    histogram('steerway_api_time_to_first_token_seconds', 'From the request to the first generated token (the end of the prompt when nothing is generated).', this.ttft);
    histogram('steerway_api_request_duration_seconds', 'From the request to its answer, for completions the engine ran.', this.duration);
    simple('steerway_prompt_tokens_total', 'counter', 'Prompt tokens by where their KV came from: computed, or reused from the context, the memory tier or the disk tier.', this.promptTokens);
    simple('steerway_generated_tokens_total', 'counter', 'Tokens generated, by route.', this.generatedTokens);
    simple('steerway_block_cache_bytes', 'gauge', 'Bytes of KV blocks held by the memory and disk tiers, as of the latest completion.', this.cacheBytes);
    return `${out.join('\n')}\n`;
  }
}

function observe(histogram: Histogram, seconds: number): void {
  SECONDS_BUCKETS.forEach((le, i) => {
    if (seconds <= le) histogram.counts[i]!++;
  });
  histogram.sum += seconds;
  histogram.count++;
}
