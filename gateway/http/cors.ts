// CORS from the configured allowlist (WT_CORS_ORIGINS), for /api/v1 and the Socket.IO handshake.
// Only listed origins get CORS headers; for any other origin the browser's same-origin rule stands.
// No credentials: the API authenticates with bearer tokens, never cookies.

const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const REQUEST_HEADERS = "Authorization, Content-Type";
/** Headers a script on an allowed origin may read besides the safelisted ones (backoff, download names). */
const EXPOSED = "Retry-After, Content-Disposition";
/** Seconds a browser may reuse a preflight answer; short, so a narrowed allowlist applies soon after a restart. */
const MAX_AGE_S = "600";

/** `https://Host:443` and `https://host` are the same origin: compare the serialised form. */
function normalise(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null; // "null" (sandboxed pages, file://) and garbage are never allowed
  }
}

export type Preflight = { status: 204; headers: Record<string, string> } | { status: 403 };

export class CorsPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins.map(normalise).filter((o): o is string => o !== null));
  }

  get origins(): string[] {
    return [...this.allowed];
  }

  isAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return false;
    const o = normalise(origin);
    return o !== null && this.allowed.has(o);
  }

  /** Headers for an actual (non-preflight) response; none for a disallowed or absent origin. */
  responseHeaders(path: string, origin: string | undefined): Record<string, string> {
    if (!isApiPath(path) || !this.isAllowed(origin)) return {};
    return { "Access-Control-Allow-Origin": origin!, "Access-Control-Expose-Headers": EXPOSED, Vary: "Origin" };
  }

  /** The answer to a CORS preflight, or null when the request is not one (then it is routed as usual). */
  preflight(method: string, path: string, headers: Record<string, string>): Preflight | null {
    const origin = headers["origin"];
    if (method !== "OPTIONS" || !isApiPath(path) || origin === undefined || headers["access-control-request-method"] === undefined) return null;
    if (!this.isAllowed(origin)) return { status: 403 };
    return {
      status: 204,
      headers: {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": METHODS,
        "Access-Control-Allow-Headers": REQUEST_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_S,
        Vary: "Origin",
      },
    };
  }

  /**
   * Socket.IO handshakes: no Origin header is a non-browser client (collar tools, scripts; they hold
   * a token like anyone else); a browser must be on an allowed origin or on this server's own (the
   * dashboard at `/`: browsers send Origin on every WebSocket handshake, same-origin included).
   */
  allowsHandshake(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.isAllowed(origin)) return true;
    const o = normalise(origin);
    return o !== null && host !== undefined && new URL(o).host === host.toLowerCase();
  }
}

function isApiPath(path: string): boolean {
  return path === "/api/v1" || path.startsWith("/api/v1/");
}
