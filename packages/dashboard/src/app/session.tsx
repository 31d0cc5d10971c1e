import { createContext, useContext } from 'react';
import type { OperatorInfo } from '../api/types';
import { can, type Permission } from '../lib/roles';

export interface SessionValue {
  operator: OperatorInfo;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionContext');
  return s;
}

/** Whether the signed-in operator's role allows something (the API checks again). */
export function useCan(what: Permission): boolean {
  return can(useSession().operator.role, what);
}
