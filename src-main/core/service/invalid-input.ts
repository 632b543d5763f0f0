// What is wrong with a call's input, in words where a person typed it (sign-in); elsewhere (calls
// the app itself makes) the schema's own message, with the call and field it is about.
import type { z } from 'zod';

const IN_WORDS: Record<string, string> = {
  'signIn.email': 'Enter your email address, like name@example.com.',
  'signIn.password': 'Enter your password.',
  'signIn.server_url': 'Enter the server address your workspace gave you, like https://messenger.example.com.',
};

export function invalidInputMessage(call: string, issue: z.core.$ZodIssue): string {
  const where = [call, ...issue.path.map(String)].join('.');
  return IN_WORDS[where] ?? `${where}: ${issue.message}`;
}
