import { ScimError } from '../../shared/scim/errors';

/** Runs `fn`, which must fail with a ScimError, and returns that error so a test can assert on all its parts. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScimError) return e;
    throw e;
  }
  throw new Error('expected a ScimError, but the call succeeded');
}
