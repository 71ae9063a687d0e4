// The sink for a run's protocol messages: process.send in the child, a printer in the CLI, an array in tests.
import type { ChildMessage } from '../protocol';

export type Reporter = (message: ChildMessage) => void;
