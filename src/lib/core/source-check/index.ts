// The source check: pure evaluation of what each configured source answered.
export * from './report';
export * from './forges';
export * from './cluster';
export * from './metrics';
export * from './drift';
