import { useEffect, useRef, useSyncExternalStore } from 'react';
import { Emitter } from '../../base/common/event';

/**
 * The app's actions in one place: each part of the page registers what it can do while it is shown
 * (`useCommands`), the command palette lists them, and their `keys` are the keyboard shortcuts, matched by
 * one listener here and shown in the palette and in README's keyboard table from the same definition.
 */
export interface AppCommand {
  /** Stable and unique; a later registration of the same id replaces the earlier one while it lasts. */
  id: string;
  title: string;
  /** Shortcuts as shown to the user, modifiers first: 'Ctrl+Shift+P', 'F1', 'Ctrl+`'. */
  keys?: readonly string[];
  run(): void;
}

/** Keys Monaco keeps while it has focus: F1 opens its own command palette (its editor actions); ours is Ctrl+Shift+P there. */
const MONACO_KEEPS = new Set(['F1']);

const registrations: AppCommand[][] = [];
const commandsChanged = new Emitter<void>();
let snapshot: readonly AppCommand[] = [];

function changed(): void {
  const byId = new Map<string, AppCommand>();
  for (const commands of registrations) for (const command of commands) byId.set(command.id, command);
  snapshot = [...byId.values()].sort((a, b) => a.title.localeCompare(b.title));
  commandsChanged.fire();
}

/** Adds commands until the returned function is called. */
export function registerCommands(commands: readonly AppCommand[]): () => void {
  const entry = [...commands];
  registrations.push(entry);
  if (registrations.length === 1) window.addEventListener('keydown', onKeyDown, true);
  changed();
  return () => {
    const index = registrations.indexOf(entry);
    if (index < 0) return;
    registrations.splice(index, 1);
    if (registrations.length === 0) window.removeEventListener('keydown', onKeyDown, true);
    changed();
  };
}

/** Every registered command, by title. */
export function listCommands(): readonly AppCommand[] {
  return snapshot;
}

export function subscribeCommands(listener: () => void): () => void {
  const subscription = commandsChanged.event(listener);
  return () => subscription.dispose();
}

export function useCommandList(): readonly AppCommand[] {
  return useSyncExternalStore(subscribeCommands, listCommands);
}

/**
 * Registers `commands` while the component is mounted. Their `run` may change every render: the
 * registered command calls the latest one, so registration changes only when ids, titles or keys do.
 */
export function useCommands(commands: readonly AppCommand[]): void {
  const latest = useRef(commands);
  latest.current = commands;
  const shape = JSON.stringify(commands.map((c) => [c.id, c.title, c.keys ?? []]));
  useEffect(
    () =>
      // `shape` names what this registration holds: the commands as they are when it changes.
      registerCommands(latest.current.map(({ run: _run, ...command }) => ({ ...command, run: () => latest.current.find((c) => c.id === command.id)?.run() }))),
    [shape],
  );
}

/** The shortcut a key press spells, as `AppCommand.keys` writes it; Cmd counts as Ctrl. */
export function keyOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string {
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  return [event.ctrlKey || event.metaKey ? 'Ctrl' : '', event.altKey ? 'Alt' : '', event.shiftKey ? 'Shift' : '', key].filter(Boolean).join('+');
}

export function commandForKey(key: string): AppCommand | undefined {
  return snapshot.find((command) => command.keys?.includes(key));
}

// Capture phase: seen before Monaco and xterm, which would take Ctrl+P or Ctrl+` as typing.
function onKeyDown(event: KeyboardEvent): void {
  if (event.isComposing || event.defaultPrevented) return;
  const key = keyOf(event);
  if (MONACO_KEEPS.has(key) && event.target instanceof Element && event.target.closest('.monaco-editor')) return;
  const command = commandForKey(key);
  if (!command) return;
  event.preventDefault();
  event.stopPropagation();
  command.run();
}
