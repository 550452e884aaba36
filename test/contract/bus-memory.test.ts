import { MemoryBroker, MemoryBus } from '../../src/live/bus/memory-bus.js';
import { busContract } from './bus.contract.js';

busContract('memory', async () => {
  const broker = new MemoryBroker();
  const a = new MemoryBus(broker);
  const b = new MemoryBus(broker);
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});
