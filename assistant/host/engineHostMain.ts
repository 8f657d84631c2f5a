/**
 * The engine host: the completion engine in a process of its own (an Electron utility process, or a
 * child process in browser mode), so that prompt evaluation never blocks main, and a crash of llama.cpp
 * takes only this process down. Bundled to out/main/engineHost.js.
 */
import { EngineHost } from './engineHost';
import { connectToParent } from '../../base/node/hostChannel';
import { EngineRequest, type EngineReply } from './protocol';

// `host` is read only when a message arrives, on a later tick, by when both constants are set.
const parent = connectToParent({ name: 'engineHost', schema: EngineRequest, onMessage: (request) => host.receive(request) });
const host = new EngineHost((reply: EngineReply) => parent.send(reply));
