import { useCallback, useLayoutEffect, useMemo, useState, type CSSProperties, type RefObject } from 'react';
import { fitPanes, loadChosenSizes, maxSize, saveChosenSize, type PaneName, type PaneSizes, type Room } from './paneSizes';

export interface PaneLayout {
  sizes: PaneSizes;
  /** The CSS variables the main area's grid reads (styles.css). */
  style: CSSProperties;
  max: (pane: PaneName) => number;
  resize: (pane: PaneName, size: number) => void;
  commit: (pane: PaneName, size: number) => void;
}

/** The pane sizes of the main area: chosen ones from localStorage, fitted to the area as it is resized. */
export function usePaneLayout(area: RefObject<HTMLElement | null>): PaneLayout {
  const [chosen, setChosen] = useState(() => loadChosenSizes(localStorage));
  const [room, setRoom] = useState<Room>(() => ({ width: window.innerWidth, height: window.innerHeight }));

  useLayoutEffect(() => {
    const element = area.current;
    if (!element) return;
    const measure = () => {
      const { width, height } = element.getBoundingClientRect();
      if (width > 0 && height > 0) setRoom((old) => (old.width === width && old.height === height ? old : { width, height }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [area]);

  const sizes = useMemo(() => fitPanes(chosen, room), [chosen, room]);
  const resize = useCallback((pane: PaneName, size: number) => setChosen((old) => ({ ...old, [pane]: size })), []);
  const commit = useCallback(
    (pane: PaneName, size: number) => {
      resize(pane, size);
      saveChosenSize(localStorage, pane, size);
    },
    [resize],
  );
  const max = useCallback((pane: PaneName) => maxSize(pane, chosen, room), [chosen, room]);
  const style = useMemo(
    () =>
      ({
        '--journal-width': `${sizes.journal}px`,
        '--steps-width': `${sizes.steps}px`,
        '--files-width': `${sizes.files}px`,
        '--attachments-height': `${sizes.attachments}px`,
        '--inspector-height': `${sizes.inspector}px`,
      }) as CSSProperties,
    [sizes],
  );
  return { sizes, style, max, resize, commit };
}
