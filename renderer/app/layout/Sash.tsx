import { useRef, type CSSProperties, type KeyboardEvent, type PointerEvent } from 'react';
import { KEY_STEP_PX, PANES, type PaneName } from './paneSizes';

interface Props {
  pane: PaneName;
  size: number;
  max: number;
  /** Where the sash sits over the border it moves, in the main area's coordinates. */
  position: CSSProperties;
  /** While dragging: the size to show. */
  onResize: (size: number) => void;
  /** At the end of a drag or on a key: the size to remember. */
  onCommit: (size: number) => void;
}

/**
 * A splitter laid over the border between two panes, as VS Code's sashes are: drag it, or focus it and use the
 * arrow keys (Shift for bigger steps, Home and End for the smallest and largest). Panes along the bottom grow
 * upwards, so for them up is bigger.
 */
export function Sash({ pane, size, max, position, onResize, onCommit }: Props) {
  const { axis, label, min } = PANES[pane];
  const drag = useRef<{ start: number; size: number; last: number } | null>(null);
  const growth = axis === 'x' ? 1 : -1;
  const at = (event: PointerEvent) => (axis === 'x' ? event.clientX : event.clientY);
  const bounded = (value: number) => Math.round(Math.min(max, Math.max(min, value)));

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { start: at(event), size, last: size };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = drag.current;
    if (!current) return;
    current.last = bounded(current.size + growth * (at(event) - current.start));
    onResize(current.last);
  };
  const endDrag = () => {
    if (drag.current) onCommit(drag.current.last);
    drag.current = null;
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = event.shiftKey ? KEY_STEP_PX * 4 : KEY_STEP_PX;
    const [smaller, bigger] = axis === 'x' ? ['ArrowLeft', 'ArrowRight'] : ['ArrowDown', 'ArrowUp'];
    const next =
      event.key === bigger ? size + step : event.key === smaller ? size - step : event.key === 'Home' ? min : event.key === 'End' ? max : null;
    if (next === null) return;
    event.preventDefault();
    onCommit(bounded(next));
  };

  return (
    <div
      role="separator"
      aria-label={label}
      // A sash between side-by-side panes is a vertical line.
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      aria-valuenow={size}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      className={`sash sash-${axis}`}
      style={position}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endDrag}
      onPointerCancel={endDrag}
      onKeyDown={onKeyDown}
    />
  );
}
