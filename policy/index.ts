/**
 * The numaflow-soak policy pack: `pulumi preview --stack soak --policy-pack ./policy`.
 * The rules live in `rules.ts` (pure functions, unit-tested in test/policy/).
 */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('numaflow-soak', { policies });
