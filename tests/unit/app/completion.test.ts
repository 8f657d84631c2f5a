import { describe, expect, expectTypeOf, it } from 'vitest';
import { shapeSuggestion } from '../../../app/completion/query';
import type { AssistantSettings, AssistantStatus, SuggestionReport } from '../../../app/completion/schemas';
import { COMPLETION_MODES, DEVICES, ENGINE_ERROR_CODES, type CompletionMode, type CompletionReport, type Device, type EngineErrorCode } from '../../../app/completion/vocabulary';
import type { CompletionReport as EngineReport, CompletionMode as EngineMode, EngineError } from '../../../assistant/engine';
import type { CompleteRequest, HostError, HostReport, HostState } from '../../../assistant/host/protocol';
import type { EngineClientState, EngineRequestError } from '../../../main/assistant/engineClient';

describe('suggestion shape', () => {
  it('a line suggestion ends at the line end; a block keeps its lines; trailing blanks go', () => {
    expect(shapeSuggestion('foo();\nbar();', false)).toBe('foo();');
    expect(shapeSuggestion('\n  return 1;\n}\n\n', true)).toBe('\n  return 1;\n}');
    expect(shapeSuggestion('\nfoo', false)).toBeNull();
  });

  it('the text generated so far, shaped, is a start of the shaped whole: a streamed suggestion only grows', () => {
    for (const [whole, multiline] of [[' add(a, b);\nnext();', false], ['if (a) {\n  b();\n}\n\nmore', true], ['x  \n\ty', true]] as const) {
      let before = '';
      for (let end = 0; end <= whole.length; end++) {
        const now = shapeSuggestion(whole.slice(0, end), multiline) ?? '';
        expect(now.startsWith(before)).toBe(true);
        before = now;
      }
      expect(before).toBe(shapeSuggestion(whole, multiline));
    }
  });
});

describe('one completion vocabulary', () => {
  it('the engine, its host protocol, main and the settings use the same modes, devices, report and error codes', () => {
    expectTypeOf<EngineMode>().toEqualTypeOf<CompletionMode>();
    expectTypeOf<CompleteRequest['mode']>().toEqualTypeOf<CompletionMode>();
    expectTypeOf<AssistantSettings['mode']>().toEqualTypeOf<CompletionMode>();
    expectTypeOf<SuggestionReport['mode']>().toEqualTypeOf<CompletionMode>();
    expectTypeOf<EngineReport>().toEqualTypeOf<CompletionReport>();
    expectTypeOf<HostReport>().toEqualTypeOf<CompletionReport>();
    expectTypeOf<AssistantStatus['device']>().toEqualTypeOf<Device>();
    expectTypeOf<HostState['device']>().toEqualTypeOf<Device>();
    expectTypeOf<EngineClientState['device']>().toEqualTypeOf<Device>();
    expectTypeOf<EngineError['code']>().toEqualTypeOf<EngineErrorCode>();
    expectTypeOf<HostError['code']>().toEqualTypeOf<EngineErrorCode>();
    expectTypeOf<EngineRequestError['code']>().toEqualTypeOf<EngineErrorCode>();
    expect([COMPLETION_MODES, DEVICES, ENGINE_ERROR_CODES.includes('ABORTED')]).toEqual([['full', 'prefix', 'sparse'], ['cpu', 'gpu'], true]);
  });
});
