import { describeInvisible, invisibleMarker, splitInvisibles } from '../../app/text/invisibles';

/**
 * Text from a journal with each bidirectional or invisible character shown as a boxed marker (⟨U+202E⟩)
 * instead of itself, so a command cannot read differently from what runs (Trojan Source).
 */
export function VisibleText({ text }: { text: string }) {
  return (
    <>
      {splitInvisibles(text).map((part, i) =>
        'text' in part ? (
          part.text
        ) : (
          <span key={i} className={`invisible-char ${part.invisible.kind}`} title={describeInvisible(part.invisible)}>
            {invisibleMarker(part.invisible.codePoint)}
          </span>
        ),
      )}
    </>
  );
}
