// A host process for hostChannel.test.ts: answers {n} with {n: n + 1} through connectToParent.
import { z } from 'zod';
import { connectToParent } from '../../../../base/node/hostChannel';

const parent = connectToParent({ name: 'echoHost', schema: z.object({ n: z.number() }), onMessage: ({ n }) => parent.send({ n: n + 1 }) });
parent.send({ ready: true });
