/** Who is signed in and the loaded models, shared by every page. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, ModelInfo } from './api';

export interface Session {
  me: Me;
  models: ModelInfo[];
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

export function modelByName(models: ModelInfo[], name: string): ModelInfo | undefined {
  return models.find((m) => m.name === name);
}
