import { createJournal, type Attachment, type CellRun, type Journal } from '../../../app/journal/schema';

export const T0 = new Date('2025-01-02T03:04:05.000Z');

export function run(overrides: Partial<CellRun> = {}): CellRun {
  return {
    runId: 'run-1',
    startedAt: T0.toISOString(),
    durationMs: 1500,
    exitCode: 0,
    cwd: '/work',
    interrupted: false,
    outputBytes: 12,
    outputTruncated: false,
    ...overrides,
  };
}

export function attachment(id: string, overrides: Partial<Attachment> = {}): Attachment {
  return { id, kind: 'text', title: `Note ${id}`, source: '', sizeBytes: 5, addedAt: T0.toISOString(), ...overrides };
}

/** Two steps: s1 (current, with cells c1 and c2 and attachment a1) and s2 (empty). */
export function sampleJournal(): Journal {
  return {
    ...createJournal('j1', 'Deploy the thing', T0),
    currentStepId: 's1',
    steps: [
      {
        id: 's1',
        title: 'Build',
        status: 'doing',
        notes: 'Run the build\nthen check the logs',
        cells: [
          { id: 'c1', command: 'npm run build', collapsed: false, lastRun: run() },
          { id: 'c2', command: 'ls -la', collapsed: true, lastRun: null },
        ],
        attachments: [attachment('a1')],
        pinnedAttachmentIds: [],
      },
      { id: 's2', title: 'Ship', status: 'todo', notes: '', cells: [], attachments: [], pinnedAttachmentIds: [] },
    ],
  };
}
