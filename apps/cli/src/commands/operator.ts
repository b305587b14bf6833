import { userInfo } from 'node:os';

/**
 * The person at this terminal, as every CLI command records them: `os:<login name>`, acting in
 * the role the command needs (the CLI runs with the server's own keys, so no token says who).
 */
export function operatorActor(role: string): { subject: string; role: string } {
  return { subject: `os:${userInfo().username}`, role };
}
