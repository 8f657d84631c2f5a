import { headName } from '../../app/completion/headProfile';
import type { DocumentState, EngineUsed } from '../../app/completion/schemas';
import type { InjectionReport } from '../../app/completion/vocabulary';
import { useAssistant } from './assistantStore';
import { useAssistantFeed } from './useAssistantFeed';

/** The words on a document's badge: where its block came from for the latest suggestion. */
export const STATE_LABELS: Record<DocumentState, string> = {
  resident: 'in place',
  shifted: 'in place',
  memory: 'memory',
  disk: 'disk',
  computed: 'computed',
  sent: 'sent',
  'left-out': 'left out',
  error: 'error',
};

const MODE_LABELS = { sparse: 'sparse (blocks apart)', prefix: 'prefix (cached in order)', full: 'full (recomputed)' } as const;

/** Which engine answered, in words: the local model, or a server by dialect and URL. */
export function engineText(engine: EngineUsed): string {
  return engine.kind === 'local' ? 'local model' : `${engine.dialect === 'llama.cpp' ? 'llama.cpp server' : 'OpenAI-compatible server'} at ${engine.url}`;
}

/** Spaces, tabs and line breaks as signs, so that a healed ' ' can be seen. */
function visibleWhitespace(text: string): string {
  return text.replace(/ /g, '␣').replace(/\t/g, '⇥').replace(/\n/g, '⏎');
}

function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** What the model saw for the latest suggestion: the documents as blocks, the prompt at the cursor, the timings. */
export function ContextInspector() {
  useAssistantFeed();
  const report = useAssistant((s) => s.report);
  const timing = useAssistant((s) => s.timing);
  const encoding = useAssistant((s) => s.encoding);

  return (
    <section className="context-inspector" aria-label="Context inspector">
      <h2>Context</h2>
      {encoding && encoding.done < encoding.total && (
        <p className="muted">
          Encoding {encoding.done}/{encoding.total}
          {encoding.current ? `: ${encoding.current}` : ''}
        </p>
      )}
      {!report ? (
        <p className="muted">No suggestion yet: type in a file to see what the model is given.</p>
      ) : (
        <>
          <ol aria-label="Documents" className="inspector-documents">
            {report.documents.map((doc) => (
              <li key={doc.id} aria-label={doc.title} title={doc.reason ?? undefined}>
                <span className="inspector-doc-title">{doc.title}</span>{' '}
                <span className="muted">{doc.tokens} tokens</span>{' '}
                <span className={`badge badge-${doc.state}`}>{STATE_LABELS[doc.state]}</span>
                {doc.reason && <span className="muted"> ({doc.reason})</span>}
              </li>
            ))}
          </ol>
          {report.documents.length === 0 && <p className="muted">No documents in this step.</p>}
          <dl className="inspector-facts">
            <dt>Engine</dt>
            <dd>{engineText(report.engine)}</dd>
            <dt>Mode</dt>
            <dd>{MODE_LABELS[report.mode]}</dd>
            <dt>Time to first token</dt>
            <dd>{formatMs(report.timeToFirstTokenMs)}</dd>
            <dt>Speed</dt>
            <dd>{report.tokensPerSecond.toFixed(1)} tokens/s</dd>
            <dt>Prompt</dt>
            <dd>
              {report.promptTokens} tokens ({report.computedTokens} computed, {report.reusedTokens} reused)
            </dd>
            {report.healedText && (
              <>
                <dt>Token healing</dt>
                <dd>the prompt stops before “{visibleWhitespace(report.healedText)}”, which the model writes again</dd>
              </>
            )}
            {timing && (
              <>
                <dt>Debounce</dt>
                <dd>{formatMs(timing.debounceMs)}</dd>
                <dt>Round trip</dt>
                <dd>{formatMs(timing.roundTripMs)}</dd>
              </>
            )}
          </dl>
          <figure className="inspector-cursor" aria-label="Prompt at the cursor">
            <pre style={{ fontFamily: 'monospace', whiteSpace: 'pre-wrap' }}>
              <span>{report.cursorPrefix}</span>
              <mark aria-label="cursor">▌</mark>
              <span>{report.cursorSuffix}</span>
            </pre>
          </figure>
          {report.injection && <Injection injection={report.injection} />}
          {report.notes.length > 0 && (
            <ul aria-label="Notes" className="muted">
              {report.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/** What attention injection did for the suggestion: the heads replaced, the use-def edges found, the rows written. */
function Injection({ injection }: { injection: InjectionReport }) {
  const { heads, edges, edgeCount, injectedRows } = injection;
  return (
    <section aria-label="Attention injection" className="inspector-injection">
      <h3>Attention injection</h3>
      <p>
        {injectedRows} rows injected in {heads.length} head{heads.length === 1 ? '' : 's'}; {edgeCount} use-def edge{edgeCount === 1 ? '' : 's'} found
        {edgeCount > edges.length ? ` (the first ${edges.length} listed)` : ''}.
      </p>
      {heads.length > 0 && (
        <ul aria-label="Heads replaced">
          {heads.map((head) => (
            <li key={headName(head)}>
              {headName(head)} → {head.pattern}
            </li>
          ))}
        </ul>
      )}
      {edges.length > 0 && (
        <ul aria-label="Use-def edges">
          {edges.map((edge, index) => (
            <li key={index}>
              <code>{edge.name}</code> {edge.use.line}:{edge.use.column} → {edge.def.file}:{edge.def.line}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
