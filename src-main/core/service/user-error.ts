import type { ReplyCode } from '../../../src-shared/desktop/api';

/** A refusal the user is told about: its code (for the UI) and a message in words. */
export class UserError extends Error {
  constructor(
    readonly code: ReplyCode,
    message: string,
  ) {
    super(message);
  }
}
