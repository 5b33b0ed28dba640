/**
 * The exit codes of the endpoint scripts (broker-invoke, broker-enroll; sh and PowerShell),
 * as the generated Tasks describe them. The scripts' header comments and README "BigFix
 * content" list the same numbers.
 */
export const EXIT_CODES: readonly { code: number; name: string; meaning: string }[] = [
  { code: 0, name: 'success', meaning: 'the broker ran the action (or enrolled this computer)' },
  { code: 1, name: 'internal', meaning: 'bad usage, an unexpected answer, or a local failure' },
  { code: 10, name: 'invalid parameters', meaning: 'the broker answered 400, 404, 413 or 422, or a parameter was refused locally' },
  { code: 11, name: 'not enrolled', meaning: 'no broker.conf or secret ID on this computer, or the store is readable by others' },
  { code: 12, name: 'unauthorized', meaning: '401: the secret ID (or the wrapping token) was refused' },
  { code: 13, name: 'forbidden', meaning: "403: this computer's group may not run the action, or it called from outside its bound network" },
  { code: 14, name: 'broker unreachable', meaning: 'no connection (or a TLS failure) until the deadline' },
  { code: 15, name: 'target failed', meaning: '502: the tool failed or could not be reached' },
  { code: 16, name: 'timed out', meaning: '504 from the tool, or the broker still answered 429/503/409 at the deadline' },
];
