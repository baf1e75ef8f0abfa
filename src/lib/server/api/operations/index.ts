// Every operation the server answers, in the order the document lists them.
import type { Operation } from '../operation';
import { ACCOUNT_OPERATIONS } from './accounts';
import { CAPACITY_OPERATIONS } from './capacity';
import { CHANGE_OPERATIONS } from './changes';
import { DRIFT_OPERATIONS } from './drift';
import { FLEET_OPERATIONS } from './fleet';
import { JOB_OPERATIONS } from './jobs';
import { ARC_HEALTH_OPERATIONS } from './arc-health';
import { DEAD_WEIGHT_OPERATIONS } from './dead-weight';
import { EXPORT_OPERATIONS } from './exports';
import { META_OPERATIONS } from './meta';
import { PASSKEY_OPERATIONS } from './passkeys';
import { SIGN_IN_OPERATIONS } from './sign-in';

export const OPERATIONS: readonly Operation[] = [...META_OPERATIONS, ...ACCOUNT_OPERATIONS, ...SIGN_IN_OPERATIONS, ...PASSKEY_OPERATIONS, ...FLEET_OPERATIONS, ...JOB_OPERATIONS, ...ARC_HEALTH_OPERATIONS, ...DEAD_WEIGHT_OPERATIONS, ...EXPORT_OPERATIONS, ...CAPACITY_OPERATIONS, ...DRIFT_OPERATIONS, ...CHANGE_OPERATIONS];
