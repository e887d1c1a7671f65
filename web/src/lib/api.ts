import type { Auth } from "firebase/auth";

/**
 * Calls Rapport's HTTP functions from the app's own origin: Firebase Hosting rewrites `/api/NAME`
 * to the function NAME (firebase.json), and the local web server proxies it the same way.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** On a 409: the record as the server holds it now. */
    readonly current: Record<string, unknown> | null = null,
    /** Everything else the error named (e.g. a 409's current `version`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The functions answer errors as `{"error": {"code", "message", ...}}` (functions/_lib/responses.py). */
interface ErrorBody {
  error?: { code?: unknown; message?: unknown; current?: unknown };
}

function toApiError(status: number, payload: ErrorBody): ApiError {
  const code = typeof payload.error?.code === "string" ? payload.error.code : "http_" + status;
  const message = typeof payload.error?.message === "string" ? payload.error.message : `The request failed (${status}).`;
  const current = payload.error?.current;
  const record = current && typeof current === "object" && !Array.isArray(current) ? (current as Record<string, unknown>) : null;
  return new ApiError(status, code, capitalised(message), record, { ...payload.error });
}

type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Rapport's API has two kinds of operation (docs/decisions/0017): records are REST under
 * `/api/{kind}?workspaceId=…` and `/api/{item}/{id}?workspaceId=…`, commands are a POST with a JSON
 * body that names the workspace. Both go through `send`.
 */

/** A record operation, e.g. `apiRequest(auth, "PATCH", workspaceId, "deal/ID", {stage, version})`. */
export function apiRequest<T>(
  auth: Auth,
  method: HttpMethod,
  workspaceId: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<T> {
  return send<T>(auth, method, `/api/${path}?workspaceId=${encodeURIComponent(workspaceId)}`, body);
}

/** An operation about the signed-in user rather than one workspace: their workspaces, their invitations. */
export function userRequest<T>(auth: Auth, method: HttpMethod, path: string, body?: Record<string, unknown>): Promise<T> {
  return send<T>(auth, method, `/api/${path}`, body);
}

/** A command, e.g. `sendCommand(auth, "sync-now", {workspaceId, mailboxId})`. */
export function sendCommand<T>(auth: Auth, name: string, body: Record<string, unknown>): Promise<T> {
  return send<T>(auth, "POST", `/api/${name}`, body);
}

async function send<T>(auth: Auth, method: HttpMethod, url: string, body?: Record<string, unknown>): Promise<T> {
  const user = auth.currentUser;
  if (!user) throw new ApiError(401, "unauthenticated", "You are signed out; sign in again.");
  const idToken = await user.getIdToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${idToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      // Same origin only: connect-gmail answers with the cookie that ties Google's consent to this browser.
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "Could not reach Rapport. Check your connection and try again.");
  }
  const payload = (await response.json().catch(() => ({}))) as T & ErrorBody;
  if (!response.ok) throw toApiError(response.status, payload);
  return payload;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A sentence for people from whatever a call threw. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : "Something went wrong.";
}
