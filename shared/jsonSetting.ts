import { z } from 'zod';

/** A setting holding JSON, parsed and then validated by `schema`. */
export const jsonSetting = <T extends z.ZodTypeAny>(name: string, fallback: string, schema: T) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be JSON` });
        return z.NEVER;
      }
    })
    .pipe(schema);
