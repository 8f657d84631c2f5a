import { useCallback, useEffect, useState } from 'react';
import { headName, type HeadChoice, type HeadProfileView, type PatternProfile } from '../../app/completion/headProfile';
import { useApi } from '../app/context';
import { useAssistant } from '../assistant/assistantStore';
import { useAssistantFeed } from '../assistant/useAssistantFeed';

type Loaded = { view: HeadProfileView; error: null } | { view: null; error: string };

/**
 * The loaded model's head profile: one heatmap per pattern (layers x heads, coloured by top-1 agreement, the values on
 * hover), the heads attention injection's `auto` replaces outlined, or how to make a profile when there is none.
 */
export function HeadProfilePanel() {
  const api = useApi();
  useAssistantFeed();
  // Read again whenever another model is loaded (or the engine becomes ready).
  const loadedModel = useAssistant((s) => (s.status?.state === 'ready' ? (s.status.model?.path ?? null) : null));
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  // `steerway heads` writes the profile outside the app: read again on Reload and when the window gets the focus back.
  const [reads, setReads] = useState(0);
  const reload = useCallback(() => setReads((n) => n + 1), []);
  useEffect(() => {
    window.addEventListener('focus', reload);
    return () => window.removeEventListener('focus', reload);
  }, [reload]);

  useEffect(() => {
    let live = true;
    api.call('heads.profile', {}).then(
      (view) => live && setLoaded({ view, error: null }),
      (e: unknown) => live && setLoaded({ view: null, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      live = false;
    };
  }, [api, loadedModel, reads]);

  return (
    <section aria-label="Head profile">
      <h3>
        Head profile{' '}
        <button type="button" onClick={reload} title="Read the head profile file again (after steerway heads wrote it)">
          Reload
        </button>
      </h3>
      {!loaded ? (
        <p className="muted">Reading the head profile…</p>
      ) : loaded.error !== null ? (
        <p className="muted">{loaded.error}</p>
      ) : !loaded.view.profile ? (
        <p className="muted">
          No head profile for this model: run <code>steerway heads --model {loaded.view.modelPath}</code>
        </p>
      ) : (
        <Profile view={loaded.view} profile={loaded.view.profile} />
      )}
    </section>
  );
}

function Profile({ view, profile }: { view: HeadProfileView; profile: NonNullable<HeadProfileView['profile']> }) {
  const { nLayer, nHead } = profile.model;
  return (
    <>
      <p className="muted">
        {profile.model.name}: {nLayer} layers x {nHead} heads, probed on {profile.files.count} files ({profile.files.tokens} tokens). Colour: top-1
        agreement, the share of a pattern&apos;s rows whose most attended token is one of the pattern&apos;s targets.
      </p>
      <p aria-label="Heads auto replaces">
        {view.chosen.length === 0
          ? `No head reaches top-1 ${view.threshold}: auto injection replaces none.`
          : `Auto injection replaces ${view.chosen.length} head${view.chosen.length === 1 ? '' : 's'} (top-1 ≥ ${view.threshold}): ${view.chosen.map((c) => `${headName(c)} → ${c.pattern}`).join(', ')}`}
      </p>
      <div className="head-heatmaps">
        {Object.entries(profile.patterns).map(([name, pattern]) => (
          <Heatmap key={name} name={name} pattern={pattern} nLayer={nLayer} nHead={nHead} chosen={view.chosen.filter((c) => c.pattern === name)} />
        ))}
      </div>
    </>
  );
}

function Heatmap({ name, pattern, nLayer, nHead, chosen }: { name: string; pattern: PatternProfile; nLayer: number; nHead: number; chosen: HeadChoice[] }) {
  const scores = new Map(pattern.heads.map((s) => [headName(s), s]));
  const picked = new Set(chosen.map(headName));
  return (
    <figure className="head-heatmap" aria-label={`${name} heatmap`}>
      <figcaption>
        {name}{' '}
        <span className="muted">
          ({pattern.rows} rows{pattern.chance !== undefined ? `, chance ${pattern.chance.toFixed(2)}` : ''})
        </span>
      </figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col" className="muted">layer</th>
            {Array.from({ length: nHead }, (_, head) => (
              <th key={head} scope="col">{head}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: nLayer }, (_, layer) => (
            <tr key={layer}>
              <th scope="row">{layer}</th>
              {Array.from({ length: nHead }, (_, head) => {
                const key = headName({ layer, head });
                const score = scores.get(key);
                const text = score ? `head ${key}: top-1 ${score.top1.toFixed(2)}, mass ${score.mass.toFixed(2)}` : `head ${key}: not scored`;
                return (
                  <td
                    key={head}
                    title={picked.has(key) ? `${text}, replaced by auto` : text}
                    aria-label={text}
                    className={picked.has(key) ? 'head-chosen' : undefined}
                    style={{ backgroundColor: score ? `rgba(47, 111, 235, ${score.top1.toFixed(3)})` : undefined }}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
