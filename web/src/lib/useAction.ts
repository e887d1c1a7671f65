import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describeApiError } from "./api";

export type ActionState = { state: "idle" } | { state: "pending" } | { state: "done"; message: string } | { state: "failed"; message: string };

/**
 * Runs a user action (a function call) and keeps what the button next to it shows: busy while it
 * runs, then the action's own sentence or the error in plain words. Results arriving after the
 * view closed are dropped.
 */
export function useAction<Args extends unknown[]>(
  run: (...args: Args) => Promise<string>,
): [ActionState, (...args: Args) => Promise<boolean>] {
  const [action, setAction] = useState<ActionState>({ state: "idle" });
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const start = useCallback(
    async (...args: Args): Promise<boolean> => {
      setAction({ state: "pending" });
      try {
        const message = await run(...args);
        if (mounted.current) setAction({ state: "done", message });
        return true;
      } catch (error) {
        if (mounted.current) setAction({ state: "failed", message: describeApiError(error) });
        return false;
      }
    },
    [run],
  );
  return [action, start];
}
