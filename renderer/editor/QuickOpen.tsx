import { useEffect, useState } from 'react';
import { fuzzyMatch } from '../../app/text/fuzzy';
import { useApi } from '../app/context';
import { MarkedText, PickerDialog } from '../app/PickerDialog';

const QUERY_DELAY_MS = 80;

/** Ctrl+P: find a workspace file by letters of its path in order (main ranks them) and open it; matched letters are marked. */
export function QuickOpen({ onOpen, onClose }: { onOpen: (path: string) => void; onClose: () => void }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.call('workspace.files', { query }).then(
        (found) => {
          if (!current) return;
          setFiles(found);
          setProblem(null);
        },
        (error: unknown) => current && setProblem(error instanceof Error ? error.message : String(error)),
      );
    }, QUERY_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  return (
    <PickerDialog
      label="Quick open"
      className="quick-open"
      inputLabel="File name"
      placeholder="Type letters of a file path, e.g. prsr for parser.ts"
      listLabel="Matching files"
      query={query}
      onQuery={setQuery}
      items={files}
      keyOf={(file) => file}
      optionLabel={(file) => file}
      renderItem={(file) => <MarkedText text={file} positions={fuzzyMatch(query, file)?.positions ?? []} />}
      onChoose={(file) => {
        onClose();
        onOpen(file);
      }}
      onClose={onClose}
      empty="No matching files."
      problem={problem}
    />
  );
}
