// PLACEHOLDER while issue 3 is in progress: replaced by the real routes before commit.
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";

export function exportRoutes(_s: Services): Route[] {
  return [];
}
