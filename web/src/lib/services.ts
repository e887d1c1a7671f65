import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { FirebaseServices } from "./firebase";

export const ServicesContext = createContext<FirebaseServices | null>(null);

export function useServices(): FirebaseServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices() used outside <ServicesContext.Provider>.");
  return services;
}
