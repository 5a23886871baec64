import type { InvalidSettings } from '../config';
import { ScimError } from '../scim/errors';

/** The process's settings never change, so their problems are logged once, by the first invocation that meets them. */
const logged = new WeakSet<InvalidSettings>();

/**
 * What a request gets while the app settings are invalid. 500, not 503: RFC 9110 §15.6.4 keeps 503 for a state
 * "likely to be alleviated after some delay", and this one lasts until an operator fixes a setting — retrying
 * cannot help, and Entra's quarantine and its mails are how the operator learns about it. No scimType (RFC 7644
 * §3.12 names none for a server fault); the detail names the settings, never their values, while the reasons go
 * to the log only.
 */
export function misconfigured(invalid: InvalidSettings, log: { error(message: string): void }): ScimError {
  if (!logged.has(invalid)) {
    logged.add(invalid);
    log.error(`The service cannot serve requests until these app settings are fixed. ${invalid.message}`);
  }
  return new ScimError(
    500,
    `The service is misconfigured: fix the app setting(s) ${invalid.settings.join(', ')} (the service's log says why), then restart it.`,
  );
}
