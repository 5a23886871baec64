import { z } from 'zod';
import { parseJson } from './scim/document';

/** A setting holding JSON, parsed and then validated by `schema`. */
export const jsonSetting = <T extends z.ZodTypeAny>(name: string, fallback: string, schema: T) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      try {
        return parseJson(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);
