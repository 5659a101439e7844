// A tiny REST client for tests (global fetch).
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function apiClient(baseUrl: string, token: string | null) {
  const call = async <T = any>(method: string, path: string, body?: unknown, tok: string | null = token): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {};
    if (tok) headers.Authorization = `Bearer ${tok}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON (metrics) */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = any>(path: string, tok?: string | null) => call<T>("GET", path, undefined, tok === undefined ? token : tok),
    post: <T = any>(path: string, body?: unknown, tok?: string | null) => call<T>("POST", path, body ?? {}, tok === undefined ? token : tok),
    call,
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
