import { MemoryStateStore } from '../../src/state';
import { describeStateStoreContract } from './store-contract';

describeStateStoreContract('MemoryStateStore', async () => {
  const store = new MemoryStateStore();
  return { store, close: () => store.close() };
});
