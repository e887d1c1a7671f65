import { useEffect, useState } from "preact/hooks";
import type { Unsubscribe } from "firebase/firestore";
import type { FirestoreFailure, LiveData } from "./types";

type Subscribe<T> = (onData: (data: T) => void, onError: (failure: FirestoreFailure) => void) => Unsubscribe;

/**
 * Runs a Firestore listener while the calling view is mounted and its dependencies hold;
 * the listener is released when the view goes away or a dependency changes.
 * Pass `null` as `subscribe` to listen to nothing (e.g. before a workspace is chosen).
 */
export function useLiveData<T>(subscribe: Subscribe<T> | null, dependencies: readonly unknown[]): LiveData<T> {
  const [live, setLive] = useState<LiveData<T>>({ state: "loading" });
  useEffect(() => {
    setLive({ state: "loading" });
    if (!subscribe) return undefined;
    let active = true;
    const unsubscribe = subscribe(
      (data) => active && setLive({ state: "ready", data }),
      (error) => active && setLive({ state: "error", error }),
    );
    return () => {
      active = false;
      unsubscribe();
    };
    // The caller names what the listener depends on, as with useEffect.
  }, dependencies);
  return live;
}
