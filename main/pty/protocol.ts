import { z } from 'zod';

/**
 * Messages between the main process and the pty host. Plain JSON objects, checked on arrival at both ends:
 * the host is a separate process, and Electron's utilityProcess and Node's fork both carry only data.
 */

const ShellId = z.number().int().positive();
const Cols = z.number().int().min(1).max(10_000);
const Rows = z.number().int().min(1).max(10_000);

/** Main -> host. */
export const HostRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create'),
    shellId: ShellId,
    cwd: z.string().min(1),
    env: z.record(z.string(), z.string()),
    cols: Cols,
    rows: Rows,
    startTimeoutMs: z.number().int().positive(),
  }),
  /** Only sent while the shell runs no other command: the queue lives in the main process. */
  z.object({ type: z.literal('run'), shellId: ShellId, command: z.string() }),
  z.object({ type: z.literal('input'), shellId: ShellId, data: z.string() }),
  z.object({ type: z.literal('interrupt'), shellId: ShellId }),
  z.object({ type: z.literal('resize'), shellId: ShellId, cols: Cols, rows: Rows }),
  z.object({ type: z.literal('kill'), shellId: ShellId }),
  /** Kill every shell, wait until they are gone, exit. */
  z.object({ type: z.literal('shutdown') }),
]);
export type HostRequest = z.infer<typeof HostRequest>;

/** Host -> main. */
export const HostEvent = z.discriminatedUnion('type', [
  /**
   * bash was started: its pid, which is also its session id and process group (node-pty starts it with setsid).
   * Main records it so that it can end the session itself if the host dies (see PtyHost).
   */
  z.object({ type: z.literal('spawned'), shellId: ShellId, pid: z.number().int().min(2) }),
  /** The shell showed its first prompt and takes commands. */
  z.object({ type: z.literal('ready'), shellId: ShellId }),
  z.object({
    type: z.literal('createFailed'),
    shellId: ShellId,
    /** 'unavailable': there is no bash to start. */
    reason: z.enum(['unavailable', 'failed']),
    message: z.string(),
  }),
  /** Output of the running command, batched. */
  z.object({ type: z.literal('data'), shellId: ShellId, data: z.string() }),
  z.object({ type: z.literal('finished'), shellId: ShellId, exitCode: z.number().int().nullable(), cwd: z.string().nullable() }),
  z.object({ type: z.literal('exited'), shellId: ShellId, exitCode: z.number().int().nullable() }),
]);
export type HostEvent = z.infer<typeof HostEvent>;
