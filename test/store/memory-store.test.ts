import { createMemoryStore } from '../../src/store/memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory store', () => ({
  store: createMemoryStore(),
  cleanup: async () => {
    // Nothing outlives the store object.
  },
}));
