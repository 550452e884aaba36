import { openTestPgStore } from '../fixtures/postgres.js';
import { storeContract } from './store.contract.js';

storeContract('postgres', () => openTestPgStore('contract'));
