// Security headers on every HTTP response the router sends. The API answers JSON and the docs page
// is the only HTML, so the defaults forbid everything a document could do; the docs page widens
// its Content-Security-Policy just enough for the bundled swagger-ui.

/** For the docs page (gateway/routes/docs.ts): its scripts, styles and the OpenAPI document come from this server only. */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'", // swagger-ui-bundle.js and init.js are files: no inline script
  "style-src 'self'", // swagger-ui.css; React sets styles through the DOM, which CSP does not block
  "img-src 'self' data:", // its icons are data: URIs
  "connect-src 'self'", // fetches /api/openapi.json and "Try it out" calls
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Everything else is data, never a document: a JSON response opened in a tab cannot run or load anything. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const ALWAYS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  // Only no-cors loads (<img>, <script>) from other sites are refused: CORS-mode fetches from an allowed
  // origin are not subject to CORP, so the allowlist still works (test/integration/http-security.test.ts).
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
  "Content-Security-Policy": API_CSP,
};

/**
 * The headers of one response: these defaults, then the route's own headers (the docs page's CSP, a
 * static asset's Cache-Control), except that nothing under /api/v1 is ever cached: it carries tokens
 * (auth) and per-user data, and a shared cache must not hand one user's answer to another.
 */
export function withSecurityHeaders(path: string, own: Record<string, string> = {}): Record<string, string> {
  const headers = { ...ALWAYS, "Cache-Control": "no-store", ...own };
  if (/^\/api\/v1(\/|$)/.test(path)) headers["Cache-Control"] = "no-store";
  return headers;
}
