import { planEquivalenceSuite } from './planEquivalenceSuite';

planEquivalenceSuite();
