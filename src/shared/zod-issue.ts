// One way to say what a schema rejected, for IPC replies, settings warnings and worker errors.
import type { z } from 'zod';

/** The first problem zod found, as "path: message"; `whole` names the value when the path is empty. */
export function firstIssue(error: z.ZodError, whole: string): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || whole}: ${issue.message}` : `invalid ${whole}`;
}
