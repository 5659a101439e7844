// Real user accounts for tests: an active user of a role with an open login session, and its access
// token as the server would issue after a login (without going through the one-time code).
import type { UserRole } from "../../auth/roles.ts";
import { createSession } from "../../store/repos/sessions.ts";
import { createUser } from "../../store/repos/users.ts";
import type { TestServer } from "./server.ts";

let n = 0;

export async function userWithToken(t: TestServer, role: UserRole): Promise<{ id: string; email: string; token: string; refresh: string; session: string }> {
  const email = `${role}-${process.pid}-${Date.now().toString(36)}-${++n}@test.example`;
  // The hash is never checked here: these users do not log in with a password.
  const user = await createUser(t.server.db, { email, name: `Test ${role}`, passwordHash: "scrypt$unused", role, status: "active" });
  const { sessionId, refresh } = await createSession(t.server.db, user.id, {});
  const token = await t.server.services.tokens.signAccess({ sub: user.id, role, sid: sessionId });
  return { id: user.id, email, token, refresh, session: sessionId };
}
